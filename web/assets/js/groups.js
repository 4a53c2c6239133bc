// Starting conversations and changing groups, by handle. Each waits for the
// server's answer; the change itself shows up through a "conversation" push.

const VISIBLE_WITHIN_MS = 15000;

export async function findUser(client, handle) {
  const user = await client.api.userByHandle(handle.trim().toLowerCase());
  client.store.setUser(user);
  return user;
}

/** Starts (or finds) the direct conversation with ``handle``; its id once known. */
export async function startDirect(client, handle) {
  const user = await findUser(client, handle);
  const { conversation_id: id } = await client.api.startDirect(user.user_id);
  await untilKnown(client, id);
  return id;
}

export async function createGroup(client, title, handles) {
  const users = await Promise.all(handles.map((handle) => findUser(client, handle)));
  const ids = [...new Set(users.map((user) => user.user_id))];
  const { conversation_id: id } = await client.api.createGroup(title, ids);
  await untilKnown(client, id);
  return id;
}

async function untilKnown(client, conversationId) {
  const deadline = Date.now() + VISIBLE_WITHIN_MS;
  let wait = 50;
  while (!client.store.conversations.has(conversationId)) {
    await client.loadConversation(conversationId);
    if (client.store.conversations.has(conversationId)) break;
    if (Date.now() > deadline) throw new Error('The conversation is not visible yet; try again.');
    await new Promise((done) => setTimeout(done, wait));
    wait = Math.min(wait * 2, 1000);
  }
}

export async function addMember(client, conversationId, handle) {
  const user = await findUser(client, handle);
  await client.api.addMembers(conversationId, [user.user_id]);
}

export function removeMember(client, conversationId, userId) {
  return client.api.removeMember(conversationId, userId);
}

export function leaveGroup(client, conversationId) {
  return client.api.removeMember(conversationId, client.me);
}

export function renameGroup(client, conversationId, title) {
  return client.api.rename(conversationId, title);
}

/** Handles typed in one field, separated by commas or spaces. */
export function handlesIn(text) {
  return [...new Set(text.split(/[\s,]+/).map((h) => h.replace(/^@/, '').trim().toLowerCase()).filter(Boolean))];
}
