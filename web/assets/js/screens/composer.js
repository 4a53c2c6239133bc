// The composer of a conversation: write and send (Enter; Shift+Enter for a
// new line), reply to a message or edit one's own (a line above says which;
// Escape or "Cancel" stops), attach a file (sent at once as a message with
// the attachment, the text as its caption; a large file goes through tus
// with a progress bar), and record a voice note.

import { el, setText } from '../dom.js';
import { uploadFile } from '../media.js';
import { recordingSupported, VoiceRecorder } from '../recorder.js';

export class Composer {
  constructor(client, { conversationId, onSent }) {
    this.client = client;
    this.conversationId = conversationId;
    this.onSent = onSent;
    this.mode = null; // null, {reply: message} or {edit: message}
    this.recorder = new VoiceRecorder();
    this.input = el('textarea', { id: 'composer-input', rows: '1', placeholder: 'Write a message', autocomplete: 'off' });
    this.contextText = el('span', { class: 'composer-context-text' });
    this.cancelMode = el('button', { type: 'button', class: 'small', text: 'Cancel', onclick: () => this.setMode(null) });
    this.context = el('div', { class: 'composer-context', hidden: true }, this.contextText, this.cancelMode);
    this.file = el('input', { type: 'file', id: 'composer-file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
    this.attach = el('button', { type: 'button', text: 'Attach', 'aria-label': 'Attach a photo, video or file', onclick: () => this.file.click() });
    this.record = el('button', { type: 'button', text: 'Voice', 'aria-label': 'Record a voice note', 'aria-pressed': 'false' });
    this.record.hidden = !recordingSupported();
    this.progress = el('progress', { max: '1', 'aria-label': 'Upload progress' });
    this.uploadText = el('span', { class: 'upload-text' });
    this.upload = el('div', { class: 'upload', role: 'status', hidden: true }, this.uploadText, this.progress);
    this.error = el('p', { class: 'error composer-error', role: 'alert' });
    this.submitButton = el('button', { type: 'submit', class: 'primary', text: 'Send' });
    this.form = el('form', { class: 'composer' },
      el('label', { for: 'composer-input', class: 'visually-hidden', text: 'Message' }),
      this.attach, this.record, this.file, this.input, this.submitButton);
    this.view = el('div', { class: 'composer-area' }, this.context, this.upload, this.error, this.form);
    this.wire();
  }

  wire() {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      } else if (event.key === 'Escape' && this.mode) {
        event.stopPropagation();
        this.setMode(null);
      }
    });
    this.input.addEventListener('input', () => {
      const id = this.conversationId();
      if (id && this.input.value.trim() && !this.mode?.edit) this.client.typing(id);
    });
    this.file.addEventListener('change', () => {
      const [file] = this.file.files;
      this.file.value = '';
      if (file) this.sendFile(file);
    });
    this.record.addEventListener('click', () => this.toggleRecording());
  }

  /** A new conversation: nothing half-written carries over. */
  reset() {
    this.setMode(null);
    this.recorder.cancel();
    this.setRecording(false);
    setText(this.error, '');
  }

  setMode(mode) {
    const wasEdit = Boolean(this.mode?.edit);
    this.mode = mode;
    this.context.hidden = !mode;
    if (mode?.reply) {
      const { reply } = mode;
      setText(this.contextText, `Replying to ${this.client.name(reply.sender_id)}: ${reply.body || 'an attachment'}`);
      this.cancelMode.setAttribute('aria-label', 'Cancel the reply');
    } else if (mode?.edit) {
      setText(this.contextText, 'Editing your message');
      this.cancelMode.setAttribute('aria-label', 'Cancel editing');
      this.input.value = mode.edit.body;
    }
    if (wasEdit && !mode?.edit) this.input.value = '';
    setText(this.submitButton, mode?.edit ? 'Save' : 'Send');
    this.input.focus();
  }

  reply(message) {
    this.setMode({ reply: message });
  }

  edit(message) {
    this.setMode({ edit: message });
  }

  submit() {
    const id = this.conversationId();
    const body = this.input.value;
    if (!id || !body.trim()) return;
    const { mode } = this;
    if (mode?.edit) {
      if (body !== mode.edit.body) this.client.change('edit', id, mode.edit.seq, { body });
    } else {
      this.client.send(id, body, { replyTo: mode?.reply ?? null });
      this.onSent();
    }
    this.input.value = '';
    this.setMode(null);
  }

  async sendFile(file) {
    const id = this.conversationId();
    if (!id) return;
    setText(this.error, '');
    setText(this.uploadText, `Uploading ${file.name || 'the recording'}\u2026 `);
    this.progress.removeAttribute('value');
    this.upload.hidden = false;
    this.progress.hidden = false;
    this.attach.disabled = true;
    try {
      const media = await uploadFile(this.client.api, file, (fraction) => {
        if (fraction === null) this.progress.removeAttribute('value');
        else this.progress.value = fraction;
      });
      const caption = this.mode?.edit ? '' : this.input.value.trim();
      this.client.send(id, caption, { replyTo: this.mode?.reply ?? null, attachments: [media] });
      if (!this.mode?.edit) {
        this.input.value = '';
        this.setMode(null);
      }
      this.onSent();
    } catch (error) {
      setText(this.error, `${file.name || 'The recording'} was not sent: ${error.message}`);
    } finally {
      this.upload.hidden = true;
      this.attach.disabled = false;
    }
  }

  setRecording(on) {
    clearInterval(this.recordingClock);
    this.upload.hidden = !on;
    this.progress.hidden = on;
    if (on) {
      const started = Date.now();
      const tell = () => {
        const seconds = Math.floor((Date.now() - started) / 1000);
        setText(this.uploadText, `Recording\u2026 ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`);
      };
      tell();
      this.recordingClock = setInterval(tell, 250);
    }
    this.record.setAttribute('aria-pressed', String(on));
    this.record.setAttribute('aria-label', on ? 'Stop recording and send' : 'Record a voice note');
    this.record.classList.toggle('recording', on);
  }

  async toggleRecording() {
    if (this.recorder.recording) {
      this.setRecording(false);
      const file = await this.recorder.stop();
      if (file) await this.sendFile(file);
      return;
    }
    try {
      await this.recorder.start();
      this.setRecording(true);
    } catch (error) {
      setText(this.error, `The microphone cannot be used: ${error.message}`);
    }
  }
}
