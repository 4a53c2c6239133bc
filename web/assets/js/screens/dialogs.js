// Modal dialogs: a new direct chat, a new group, and a group's settings
// (rename, add and remove members, leave). Native <dialog>: focus stays
// inside, Escape closes it, focus returns where it was.

import { el, setText } from '../dom.js';
import { addMember, createGroup, handlesIn, leaveGroup, removeMember, renameGroup, startDirect } from '../groups.js';

let dialogs = 0;

export function modal(titleText, build) {
  const titleId = `dialog-title-${++dialogs}`;
  const dialog = el('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const opener = document.activeElement;
  const close = () => dialog.close();
  dialog.addEventListener('close', () => {
    dialog.remove();
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost && opener?.isConnected) opener.focus();
  });
  dialog.append(el('h2', { id: titleId, text: titleText }), ...build(close, dialog));
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

function explain(error, handle = '') {
  if (error.status === 404 && handle) return `No one has the handle \u201c${handle}\u201d.`;
  return error.message || 'That did not work; try again.';
}

/** A form whose submit runs ``action``; errors show in its alert line. */
function actionForm(fields, submitText, action, ...extra) {
  const error = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'primary', text: submitText });
  const form = el('form', { class: 'dialog-form' }, ...fields, error, el('div', { class: 'dialog-actions' }, submit, ...extra));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      await action();
    } catch (failure) {
      error.textContent = failure.explained ?? explain(failure);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export function field(id, labelText, control) {
  control.id = id;
  return el('p', { class: 'field' }, el('label', { for: id, text: labelText }), control);
}

export function cancel(close, text = 'Cancel') {
  return el('button', { type: 'button', text, onclick: close });
}

export function openNewChat(client, onOpened) {
  modal('New chat', (close) => {
    const handle = el('input', { required: true, autocapitalize: 'none', spellcheck: 'false', autocomplete: 'off' });
    const form = actionForm([field('new-chat-handle', 'Their handle', handle)], 'Start chat', async () => {
      const wanted = handlesIn(handle.value)[0] ?? '';
      try {
        const id = await startDirect(client, wanted);
        close();
        onOpened(id);
      } catch (error) {
        error.explained = explain(error, wanted);
        throw error;
      }
    }, cancel(close));
    return [form];
  });
}

export function openNewGroup(client, onOpened) {
  modal('New group', (close) => {
    const title = el('input', { required: true, maxlength: '200', autocomplete: 'off' });
    const members = el('textarea', { rows: '2', autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': 'new-group-hint' });
    const hint = el('p', { class: 'hint', id: 'new-group-hint', text: 'Handles, separated by commas or spaces.' });
    const form = actionForm([field('new-group-title', 'Group name', title), field('new-group-members', 'Members', members), hint],
      'Create group', async () => {
        const handles = handlesIn(members.value);
        try {
          const id = await createGroup(client, title.value.trim(), handles);
          close();
          onOpened(id);
        } catch (error) {
          error.explained = error.status === 404 ? `No one has one of these handles: ${handles.join(', ')}.` : explain(error);
          throw error;
        }
      }, cancel(close));
    return [form];
  });
}

export function openGroupSettings(client, conversationId, onLeft) {
  const { store } = client;
  let redraw = () => {};
  const dialog = modal('Group settings', (close) => {
    const conversation = store.conversations.get(conversationId);
    const admin = conversation?.members.some((m) => m.user_id === client.me && m.role === 'admin');
    const title = el('input', { required: true, maxlength: '200', value: conversation?.title ?? '', autocomplete: 'off' });
    if (!admin) title.readOnly = true;
    const rename = actionForm([field('group-title', 'Group name', title)], 'Rename', () => renameGroup(client, conversationId, title.value.trim()));
    const count = el('h3', { id: 'group-members-title' });
    const list = el('ul', { class: 'member-list', 'aria-labelledby': 'group-members-title' });
    const handle = el('input', { required: true, autocapitalize: 'none', spellcheck: 'false', autocomplete: 'off' });
    const add = actionForm([field('group-add-handle', 'Add someone by handle', handle)], 'Add', async () => {
      const wanted = handlesIn(handle.value)[0] ?? '';
      try {
        await addMember(client, conversationId, wanted);
        handle.value = '';
      } catch (error) {
        error.explained = explain(error, wanted);
        throw error;
      }
    });
    const leave = el('button', { type: 'button', class: 'danger', text: 'Leave group' });
    leave.addEventListener('click', async () => {
      leave.disabled = true;
      await leaveGroup(client, conversationId).catch(() => null);
      close();
      onLeft();
    });
    const note = el('p', { class: 'hint', text: 'Only admins can rename the group or change its members.' });
    redraw = () => {
      const current = store.conversations.get(conversationId);
      if (!current) return close();
      setText(count, `Members (${current.member_ids.length})`);
      list.replaceChildren(...current.members.map((member) => memberRow(client, conversationId, member, admin)));
      return undefined;
    };
    for (const part of [rename.querySelector('button[type=submit]'), add]) part.hidden = !admin;
    note.hidden = admin;
    return [rename, note, count, list, add, el('div', { class: 'dialog-actions' }, leave, cancel(close, 'Close'))];
  });
  redraw();
  const onChange = (event) => {
    if (['conversation', 'left', 'user', 'inbox'].includes(event.detail.what)) redraw();
  };
  store.addEventListener('change', onChange);
  dialog.addEventListener('close', () => store.removeEventListener('change', onChange));
}

function memberRow(client, conversationId, member, admin) {
  const name = client.name(member.user_id);
  const row = el('li', { class: 'member' },
    el('span', { class: 'member-name', text: name }),
    member.role === 'admin' ? el('span', { class: 'role', text: 'admin' }) : null);
  if (admin && member.user_id !== client.me) {
    const remove = el('button', { type: 'button', class: 'small', text: 'Remove', 'aria-label': `Remove ${name}` });
    remove.addEventListener('click', () => {
      remove.disabled = true;
      removeMember(client, conversationId, member.user_id).catch(() => {
        remove.disabled = false;
      });
    });
    row.append(remove);
  }
  return row;
}
