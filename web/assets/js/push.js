// Web Push: "Allow notifications" asks the browser, registers the service
// worker (/sw.js), subscribes with the server's VAPID key and registers the
// subscription as a device (POST /v1/devices). The page also tells the
// worker the names it knows, so that a notification can say who wrote.

const WORKER_URL = '/sw.js';
const SUBSCRIBE_WITHIN_MS = 20000; // a browser that cannot reach its push service waits forever
let workerUrl = null;

/** The worker's URL as the page's Trusted Types policy lets through: the
 *  one policy the page's CSP allows, which passes nothing but /sw.js. */
function trustedWorkerUrl() {
  if (!window.trustedTypes) return WORKER_URL;
  workerUrl ??= window.trustedTypes.createPolicy('service-worker-url', {
    createScriptURL: (url) => {
      if (url !== WORKER_URL) throw new TypeError(`not the service worker: ${url}`);
      return url;
    },
  }).createScriptURL(WORKER_URL);
  return workerUrl;
}

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** Whether this browser already has a subscription for this page. */
export async function pushEnabled() {
  if (!pushSupported() || Notification.permission !== 'granted') return false;
  const registration = await navigator.serviceWorker.getRegistration('/');
  return Boolean(await registration?.pushManager.getSubscription());
}

/** Turns notifications on; throws an Error that says why it could not. */
export async function enablePush(api) {
  if (!pushSupported()) throw new Error('this browser cannot receive push notifications');
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('notifications are blocked for this page in the browser settings');
  const { key } = await api.vapidPublicKey().catch((error) => {
    throw new Error(error.status === 404 ? 'this server does not send push notifications' : error.message);
  });
  await navigator.serviceWorker.register(trustedWorkerUrl(), { scope: '/' });
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  if (!subscription) {
    try {
      subscription = await withDeadline(
        registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
        SUBSCRIBE_WITHIN_MS, 'the push service did not answer');
    } catch (error) {
      throw new Error(`the browser's push service refused the subscription (${error.name}: ${error.message})`);
    }
  }
  await api.registerWebPush(subscription.toJSON());
}

function withDeadline(promise, ms, message) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(message), { name: 'TimeoutError' })), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Tells the worker (if there is one) these user id -> name pairs. */
export async function tellWorkerNames(names) {
  if (!('serviceWorker' in navigator)) return;
  const registration = await navigator.serviceWorker.getRegistration('/');
  registration?.active?.postMessage({ type: 'names', names });
}

/** Runs ``onOpen(conversationId)`` when a notification click asks the page. */
export function onNotificationClick(onOpen) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type === 'open' && typeof event.data.conversation_id === 'string') onOpen(event.data.conversation_id);
  });
}
