/* The bulletin board of one meeting instance, for gst-meeting-server: an
 * ordered log of opaque messages with per-author accounting, slots (a new
 * message of an author supersedes its older one in the same slot), per
 * author quotas, a budget for the messages of authors who left, and an
 * overall cap (docs/protocol.md 2.6, docs/server.md); also its
 * command-line options and the `board` message of the signaling. GLib and
 * json-glib only: no GStreamer, no network.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __MEETING_BOARD_H__
#define __MEETING_BOARD_H__

#include <glib.h>

#include "meetingproto.h"

G_BEGIN_DECLS

#define MEETING_BOARD_SLOT_MAX MEETING_PROTO_MAX_SLOT

typedef struct _MeetingBoard MeetingBoard;

typedef struct
{
  guint64 max_bytes; /* all stored messages */
  guint max_messages;
  guint64 quota_bytes; /* per author present */
  guint quota_messages;
  guint64 departed_bytes; /* all messages of authors who left */
} MeetingBoardLimits;

typedef enum
{
  MEETING_BOARD_OK,
  MEETING_BOARD_QUOTA, /* over the author's quota: not stored */
  MEETING_BOARD_FULL, /* over the overall cap: not stored */
} MeetingBoardResult;

typedef struct
{
  guint messages; /* stored now */
  guint64 bytes;
  guint departed_messages; /* of those, by authors who left */
  guint64 departed_bytes;
  guint authors; /* with messages stored, or present */
  guint64 superseded; /* totals since the board was made */
  guint64 evicted; /* departed authors' messages dropped for room */
  guint64 refused_quota;
  guint64 refused_full;
} MeetingBoardStats;

/* One stored message, oldest first; seq strictly increases. */
typedef void (*MeetingBoardFunc) (guint64 seq, const gchar *author,
    const gchar *slot, const gchar *text, gsize len, gpointer user_data);

/* FALSE, and an explanation in *why (free it), when the limits cannot hold:
 * max_bytes must cover max_participants full quotas plus the departed
 * budget, max_messages max_participants full message quotas. */
gboolean meeting_board_limits_check (
    const MeetingBoardLimits *limits, guint max_participants, gchar **why);

MeetingBoard *meeting_board_new (const MeetingBoardLimits *limits);
void meeting_board_free (MeetingBoard *board);

/* 1 to MEETING_BOARD_SLOT_MAX of [a-z0-9-]. */
gboolean meeting_board_slot_valid (const gchar *slot);

/* The seq the next stored message gets (the text usually carries it). */
guint64 meeting_board_next_seq (const MeetingBoard *board);

/* Stores a copy of text[0..len) at the end of the log as author's message,
 * first removing author's earlier message in the same slot (slot NULL: no
 * slot, nothing superseded). Refused, with nothing changed, when it would
 * put the author over its quota or the board over its cap (after dropping
 * departed authors' messages, oldest first). The author counts as present
 * from its first post until meeting_board_author_left(). */
MeetingBoardResult meeting_board_post (MeetingBoard *board, const gchar *author,
    const gchar *slot, const gchar *text, gsize len);

/* The author left: its messages stay, counted against the departed budget;
 * beyond it the oldest departed authors' messages are dropped first. */
void meeting_board_author_left (MeetingBoard *board, const gchar *author);

void meeting_board_foreach (
    const MeetingBoard *board, MeetingBoardFunc func, gpointer user_data);
void meeting_board_get_stats (
    const MeetingBoard *board, MeetingBoardStats *stats);

/* What author has stored now (0 for an unknown author). */
guint meeting_board_author_messages (
    const MeetingBoard *board, const gchar *author);
guint64 meeting_board_author_bytes (
    const MeetingBoard *board, const gchar *author);

/* ------------------------------------------------- gst-meeting-server */

/* --max-board-bytes, --max-board-messages, --board-quota-bytes,
 * --board-quota-messages, --board-departed-bytes */
void meeting_board_add_options (GOptionContext *ctx);

/* The limits the options give, checked (range, and
 * meeting_board_limits_check()); FALSE with an error to show. */
gboolean meeting_board_options_limits (
    guint max_participants, MeetingBoardLimits *limits, GError **error);

/* A client's `board` message o (docs/protocol.md 2.2) from author (a
 * server-assigned id): NULL when stored, with *text the server's `board`
 * message to relay (valid until the board changes); otherwise the error
 * code (bad-request, board-quota, board-full) and *why its message. */
const gchar *meeting_board_handle_post (MeetingBoard *board,
    const gchar *author, const gchar *data, const gchar *slot,
    const gchar **text, const gchar **why);

/* Prints "board room=ROOM messages=N bytes=B departed=D superseded=S
 * evicted=E refused=R" and a newline to stdout (counts since the instance
 * began; refused: for quota or cap). */
void meeting_board_print_stats (const MeetingBoard *board, const gchar *room);

G_END_DECLS

#endif /* __MEETING_BOARD_H__ */
