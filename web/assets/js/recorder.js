// Voice notes: the microphone through MediaRecorder, as Opus in WebM
// (audio/webm, what Chromium and Firefox record), or whatever the browser
// offers first of these.

const TYPES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'];

export function recordingSupported() {
  return Boolean(navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
}

export class VoiceRecorder {
  constructor() {
    this.recorder = null;
    this.stream = null;
    this.chunks = [];
  }

  get recording() {
    return this.recorder?.state === 'recording';
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mimeType = TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    this.recorder = new MediaRecorder(this.stream, mimeType ? { mimeType } : {});
    this.chunks = [];
    this.recorder.addEventListener('dataavailable', (event) => {
      if (event.data.size) this.chunks.push(event.data);
    });
    this.recorder.start();
  }

  /** Stops; resolves with the recording as a File (null if nothing was heard). */
  stop() {
    const { recorder } = this;
    if (!recorder) return Promise.resolve(null);
    return new Promise((resolve) => {
      recorder.addEventListener('stop', () => {
        for (const track of this.stream.getTracks()) track.stop();
        const type = (recorder.mimeType || 'audio/webm').split(';')[0];
        const blob = new Blob(this.chunks, { type });
        this.recorder = null;
        const extension = type.split('/')[1];
        resolve(blob.size ? new File([blob], `voice-note.${extension}`, { type }) : null);
      }, { once: true });
      recorder.stop();
    });
  }

  cancel() {
    if (this.recorder?.state === 'recording') this.recorder.stop();
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.recorder = null;
  }
}
