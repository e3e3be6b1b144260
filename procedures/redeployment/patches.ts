/**
 * The patches of the challenge list workflow (redeployment.workflow.ts): each names a change to the commands
 * a running list issues, so a list started before it replays as it ran. The recorded histories that prove it
 * are listed in index.ts.
 */

/**
 * Patch: the history's length is read when an action is accepted, not whenever a waiting condition is
 * checked. A refused Update's workflow task re-checks every condition with a longer history but leaves
 * no event, so a replay never sees that check: a continue-as-new decided there (its timer cancelled)
 * failed to replay. An accepted action is in history, and so is its reading. Read once, at the start.
 */
export const REDEPLOYMENT_LENGTH_ON_ACCEPT = 'redeployment-length-on-accept';

/**
 * Patch: the meeting's vote belongs to a recorded meeting (《条例》 art. 28, kernel/vote.ts MeetingRecord): the ballot
 * tasks open when staff open it with its date and attendance, for the members present, and the vote ends once the
 * minutes are attached. Lists from before it vote with no meeting recorded.
 */
export const REDEPLOYMENT_MEETING = 'redeployment-meeting';
