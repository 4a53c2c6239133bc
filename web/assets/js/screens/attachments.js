// A message's attachments: photos as thumbnails (a button: Enter or a
// click opens the lightbox), voice notes as <audio>, videos as <video>,
// other files as a download button. Every media is fetched with the bearer
// token and shown from a blob: URL.

import { el } from '../dom.js';
import { sizeText } from '../media.js';
import { modal } from './dialogs.js';

/** The elements of ``attachments`` (built once per message: media never change). */
export function attachmentNodes(client, attachments) {
  return attachments.map((media) => {
    if (media.kind === 'image') return photo(client, media);
    if (media.kind === 'voice') return player(client, media, 'audio', 'Voice note');
    if (media.kind === 'video') return player(client, media, 'video', 'Video');
    return download(client, media);
  });
}

function whenLoaded(promise, apply, node) {
  promise.then(apply, () => node.classList.add('media-failed'));
}

function photo(client, media) {
  const [width, height] = thumbnailSize(media);
  const image = el('img', { alt: 'Photo', class: 'thumbnail', width, height });
  const button = el('button', { type: 'button', class: 'attachment photo', 'aria-label': 'Open photo' }, image);
  const part = media.has_thumbnail ? '/thumbnail' : '';
  whenLoaded(client.media.url(media.media_id, part), (url) => { image.src = url; }, button);
  button.addEventListener('click', () => openLightbox(client, media));
  return button;
}

const THUMBNAIL_PX = 240;

/** The size a photo is shown at (known before it loads: no jump). */
function thumbnailSize(media) {
  if (!media.width || !media.height) return [undefined, undefined];
  const scale = Math.min(1, THUMBNAIL_PX / Math.max(media.width, media.height));
  return [Math.round(media.width * scale), Math.round(media.height * scale)];
}

function player(client, media, tag, label) {
  const node = el(tag, { controls: true, preload: 'metadata', class: `attachment ${tag}`, 'aria-label': label });
  if (tag === 'video' && media.has_thumbnail) {
    client.media.url(media.media_id, '/thumbnail').then((url) => { node.poster = url; }, () => null);
  }
  whenLoaded(client.media.url(media.media_id), (url) => { node.src = url; }, node);
  return node;
}

function download(client, media) {
  const button = el('button', { type: 'button', class: 'attachment file', text: `Download file (${sizeText(media.size)})` });
  button.addEventListener('click', async () => {
    const url = await client.media.url(media.media_id).catch(() => null);
    if (!url) return;
    const link = el('a', { href: url, download: `${media.media_id}.${media.content_type.split('/')[1] ?? 'bin'}` });
    link.click();
  });
  return button;
}

/** The photo at full size in a modal dialog (Escape or "Close" closes it,
 *  focus goes back to the thumbnail). */
export function openLightbox(client, media) {
  modal('Photo', (close, dialog) => {
    dialog.classList.add('lightbox');
    const image = el('img', { alt: 'The photo at full size', class: 'full-photo' });
    client.media.url(media.media_id).then((url) => { image.src = url; }, () => { image.alt = 'The photo could not be loaded.'; });
    return [image, el('div', { class: 'dialog-actions' }, el('button', { type: 'button', text: 'Close', onclick: close }))];
  });
}
