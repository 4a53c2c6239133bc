// Media (docs/media.md): uploads, in one request for a small file and
// through tus (tus-js-client, resumable, with progress) for a large one;
// downloads with the bearer token, shown as blob: URLs that the page keeps
// while it lives (a media never changes).

import { ApiError } from './api.js';

export const TUS_FROM_BYTES = 4 * 1024 * 1024;
const TUS_CHUNK_BYTES = 4 * 1024 * 1024;
const TUS_MODULE = '/vendor/tus-js-client/tus.min.js';

export class MediaUrls {
  constructor(api) {
    this.api = api;
    this.urls = new Map(); // "media id|part" -> promise of a blob: URL
  }

  /** A blob: URL of the media (``part`` '' or '/thumbnail'). */
  url(mediaId, part = '') {
    const key = `${mediaId}|${part}`;
    if (!this.urls.has(key)) {
      const loading = this.api.mediaBlob(mediaId, part).then((blob) => URL.createObjectURL(blob));
      loading.catch(() => this.urls.delete(key));
      this.urls.set(key, loading);
    }
    return this.urls.get(key);
  }

  forget() {
    for (const loading of this.urls.values()) loading.then((url) => URL.revokeObjectURL(url), () => null);
    this.urls.clear();
  }
}

/** Uploads ``file``; ``onProgress(fraction)`` for a tus upload (null: one
 *  request, no progress to tell). Resolves with the ``<media>``. */
export async function uploadFile(api, file, onProgress) {
  if (file.size < TUS_FROM_BYTES) {
    onProgress(null);
    return api.uploadMedia(file);
  }
  const tus = await loadTus();
  return new Promise((resolve, reject) => {
    const upload = new tus.Upload(file, {
      endpoint: '/v1/uploads',
      chunkSize: TUS_CHUNK_BYTES,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      headers: { Authorization: `Bearer ${api.token}` },
      metadata: { filename: file.name || 'file', filetype: file.type || 'application/octet-stream' },
      storeFingerprintForResuming: false,
      onProgress: (sent, total) => onProgress(total ? sent / total : 0),
      onError: (error) => reject(tusError(error)),
      onSuccess: () => api.finishedUpload(upload.url).then(resolve, reject),
    });
    upload.start();
  });
}

async function loadTus() {
  try {
    await import(TUS_MODULE);
  } catch {
    throw new ApiError(0, 'unavailable', 'Large uploads are not available on this server (tus-js-client is not installed).');
  }
  return window.tus;
}

function tusError(error) {
  const response = error.originalResponse;
  if (!response) return new ApiError(0, 'unavailable', 'The upload stopped: the server cannot be reached.');
  let detail = {};
  try {
    detail = JSON.parse(response.getBody())?.error ?? {};
  } catch {
    detail = {};
  }
  return new ApiError(response.getStatus(), detail.code ?? 'unavailable', detail.message ?? 'The upload was refused.');
}

/** "2.4 MB" */
export function sizeText(bytes) {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
