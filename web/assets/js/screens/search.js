// "Search messages": the person's history, newest first, 20 at a time
// ("More results"), the matched words marked. Bodies and marks are text
// nodes and <mark> elements, never HTML. A result opens its conversation.

import { el, setText } from '../dom.js';
import { shortTime } from '../format.js';
import { field, modal } from './dialogs.js';

export function openSearch(client, onOpen) {
  modal('Search messages', (close) => {
    const query = el('input', { type: 'search', required: true, maxlength: '200', autocomplete: 'off' });
    const submit = el('button', { type: 'submit', class: 'primary', text: 'Search' });
    const form = el('form', { class: 'dialog-form search-form', role: 'search' }, field('search-query', 'Search for', query), submit);
    const status = el('p', { class: 'hint', role: 'status' });
    const results = el('ol', { class: 'search-results', 'aria-label': 'Results' });
    const more = el('button', { type: 'button', text: 'More results', hidden: true });
    let next = null;
    let asked = '';

    const load = async (before) => {
      submit.disabled = more.disabled = true;
      try {
        const page = await client.api.search(asked, before);
        if (!before) results.replaceChildren();
        results.append(...page.results.map((hit) => result(client, hit, () => {
          close();
          onOpen(hit.message.conversation_id);
        })));
        next = page.next;
        more.hidden = !next;
        const count = results.children.length;
        setText(status, count ? `${count} message${count === 1 ? '' : 's'} found${next ? ' so far' : ''}.` : `Nothing found for \u201c${asked}\u201d.`);
      } catch (error) {
        setText(status, error.message || 'The search did not work; try again.');
      } finally {
        submit.disabled = more.disabled = false;
      }
    };
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      asked = query.value.trim();
      if (asked) load(null);
    });
    more.addEventListener('click', () => load(next));
    return [form, status, results, el('div', { class: 'dialog-actions' }, more, el('button', { type: 'button', text: 'Close', onclick: close }))];
  }).classList.add('search-dialog');
}

function result(client, hit, open) {
  const { message } = hit;
  const conversation = client.store.conversations.get(message.conversation_id);
  const where = conversation ? client.title(conversation) : 'A conversation';
  const text = el('span', { class: 'search-text' },
    ...hit.highlight.map((part) => (part.match ? el('mark', { text: part.text }) : part.text)));
  const button = el('button', { type: 'button', class: 'search-hit' },
    el('span', { class: 'search-where' }, `${where} \u00b7 ${client.name(message.sender_id)} \u00b7 `,
      el('time', { datetime: message.sent_at, text: shortTime(message.sent_at) })),
    text);
  button.addEventListener('click', open);
  return el('li', {}, button);
}
