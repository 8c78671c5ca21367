/**
 * Lesson 11 · the subjects: on NATS, these names replace the socket paths of
 * lessons 01–08. A subject is a dot-separated name; nobody has to "own" it or be
 * listening for a publish to it to succeed.
 */

// #region subjects
/** Requests for the pong workers (lesson 04's protocol: `ping 7` → `pong 7`). */
export const PING_SUBJECT = 'ping';
/** The queue group every pong worker joins: each request goes to one member. */
export const PONG_WORKERS = 'pong-workers';
/** Requests for the rally daemon behind the bridge: {"type":"ping"} or {"type":"get"}. */
export const RALLY_REQUESTS = 'rally.requests';
/** Every change of the rally count: {"type":"update","count":4}. */
export const RALLY_UPDATES = 'rally.updates';
// #endregion subjects
