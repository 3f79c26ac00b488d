/* The bulletin board of one meeting instance (see meeting-board.h).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The log is a GQueue of Msg in seq order; each author keeps a GQueue of
 * its own messages (oldest first) and a table slot -> Msg, so that a
 * supersede, a post and an eviction are O(1) whatever the log's length.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "meeting-board.h"

typedef struct _Author Author;

typedef struct
{
  guint64 seq;
  Author *author;
  gchar *slot; /* NULL: none */
  gchar *text;
  gsize len;
  GList *log_link; /* in board->log */
  GList *author_link; /* in author->msgs */
} Msg;

struct _Author
{
  gchar *id;
  GQueue msgs; /* Msg*, oldest first */
  GHashTable *slots; /* slot -> Msg* (not owned), made on first use */
  guint64 bytes;
  GList *departed_link; /* in board->departed; NULL while present */
};

struct _MeetingBoard
{
  MeetingBoardLimits limits;
  GQueue log; /* Msg*, in seq order */
  const gchar *last_text; /* of the last stored message */
  GHashTable *authors; /* id -> Author* (owned) */
  GQueue departed; /* Author*, in the order they left */
  guint64 next_seq;
  MeetingBoardStats st;
};

gboolean
meeting_board_limits_check (
    const MeetingBoardLimits *l, guint max_participants, gchar **why)
{
  /* guint64: a few billion at most per factor, no overflow */
  guint64 need_bytes =
      (guint64)max_participants * l->quota_bytes + l->departed_bytes;
  guint64 need_msgs = (guint64)max_participants * l->quota_messages;

  if (l->quota_bytes == 0 || l->quota_messages == 0) {
    *why = g_strdup ("the per-author board quotas must be at least 1");
    return FALSE;
  }
  if (l->max_bytes < need_bytes) {
    *why = g_strdup_printf (
        "the board cap (%" G_GUINT64_FORMAT " bytes) is below max-participants "
        "x board-quota-bytes + board-departed-bytes (%" G_GUINT64_FORMAT ")",
        l->max_bytes, need_bytes);
    return FALSE;
  }
  if ((guint64)l->max_messages < need_msgs) {
    *why = g_strdup_printf ("the board cap (%u messages) is below "
                            "max-participants x board-quota-messages "
                            "(%" G_GUINT64_FORMAT ")",
        l->max_messages, need_msgs);
    return FALSE;
  }
  return TRUE;
}

static void
author_free (Author *a)
{
  /* its messages are gone by now */
  g_assert (a->msgs.length == 0);
  if (a->slots)
    g_hash_table_unref (a->slots);
  g_free (a->id);
  g_free (a);
}

static void
msg_free (Msg *m)
{
  g_free (m->slot);
  g_free (m->text);
  g_free (m);
}

MeetingBoard *
meeting_board_new (const MeetingBoardLimits *limits)
{
  MeetingBoard *b = g_new0 (MeetingBoard, 1);

  b->limits = *limits;
  g_queue_init (&b->log);
  g_queue_init (&b->departed);
  b->authors = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)author_free);
  return b;
}

void
meeting_board_free (MeetingBoard *b)
{
  GList *l;

  if (!b)
    return;
  for (l = b->log.head; l; l = l->next) {
    Msg *m = l->data;
    g_queue_clear (&m->author->msgs);
    msg_free (m);
  }
  g_queue_clear (&b->log);
  g_queue_clear (&b->departed);
  g_hash_table_unref (b->authors);
  g_free (b);
}

gboolean
meeting_board_slot_valid (const gchar *slot)
{
  return meeting_proto_slot_valid (slot);
}

guint64
meeting_board_next_seq (const MeetingBoard *b)
{
  return b->next_seq;
}

static gboolean
is_departed (const Author *a)
{
  return a->departed_link != NULL;
}

/* Forgets an author that left and has nothing stored. */
static void
author_drop_if_empty (MeetingBoard *b, Author *a)
{
  if (!is_departed (a) || a->msgs.length)
    return;
  g_queue_delete_link (&b->departed, a->departed_link);
  a->departed_link = NULL;
  g_hash_table_remove (b->authors, a->id);
}

/* Takes m out of the log and its author's accounts, and frees it (the
 * author too, when it left and this was its last message). */
static void
msg_remove (MeetingBoard *b, Msg *m)
{
  Author *a = m->author;

  g_queue_delete_link (&b->log, m->log_link);
  g_queue_delete_link (&a->msgs, m->author_link);
  if (m->slot && a->slots && g_hash_table_lookup (a->slots, m->slot) == m)
    g_hash_table_remove (a->slots, m->slot);
  a->bytes -= m->len;
  b->st.bytes -= m->len;
  b->st.messages--;
  if (is_departed (a)) {
    b->st.departed_bytes -= m->len;
    b->st.departed_messages--;
  }
  msg_free (m);
  author_drop_if_empty (b, a);
}

/* Drops the oldest message of the author who left first. */
static gboolean
evict_one (MeetingBoard *b)
{
  Author *a = g_queue_peek_head (&b->departed);

  if (!a)
    return FALSE;
  g_assert (a->msgs.length > 0);
  msg_remove (b, g_queue_peek_head (&a->msgs));
  b->st.evicted++;
  return TRUE;
}

MeetingBoardResult
meeting_board_post (MeetingBoard *b, const gchar *author, const gchar *slot,
    const gchar *text, gsize len)
{
  Author *a = g_hash_table_lookup (b->authors, author);
  Msg *old = NULL, *m;
  guint64 a_bytes, a_msgs, live_bytes, live_msgs;

  g_return_val_if_fail (author && text, MEETING_BOARD_FULL);
  if (!a) {
    a = g_new0 (Author, 1);
    a->id = g_strdup (author);
    g_queue_init (&a->msgs);
    g_hash_table_insert (b->authors, a->id, a);
  } else if (is_departed (a)) {
    /* back (ids are not reused by the server, but be consistent) */
    g_queue_delete_link (&b->departed, a->departed_link);
    a->departed_link = NULL;
    b->st.departed_bytes -= a->bytes;
    b->st.departed_messages -= a->msgs.length;
  }
  if (slot && a->slots)
    old = g_hash_table_lookup (a->slots, slot);

  /* the author's quota, counting the superseded message as gone */
  a_bytes = a->bytes - (old ? old->len : 0) + len;
  a_msgs = a->msgs.length - (old ? 1 : 0) + 1;
  if (a_bytes > b->limits.quota_bytes || a_msgs > b->limits.quota_messages) {
    b->st.refused_quota++;
    return MEETING_BOARD_QUOTA;
  }
  /* the overall cap: departed authors' messages can make room, the others'
   * cannot */
  live_bytes = b->st.bytes - b->st.departed_bytes - (old ? old->len : 0) + len;
  live_msgs = b->st.messages - b->st.departed_messages - (old ? 1 : 0) + 1;
  if (live_bytes > b->limits.max_bytes || live_msgs > b->limits.max_messages) {
    b->st.refused_full++;
    return MEETING_BOARD_FULL;
  }

  if (old) {
    msg_remove (b, old);
    b->st.superseded++;
  }
  while (b->st.bytes + len > b->limits.max_bytes ||
      (guint64)b->st.messages + 1 > b->limits.max_messages) {
    if (!evict_one (b))
      break; /* not reached: the live messages fit, checked above */
  }

  m = g_new0 (Msg, 1);
  m->seq = b->next_seq++;
  m->author = a;
  m->slot = g_strdup (slot);
  m->text = g_strndup (text, len);
  m->len = len;
  g_queue_push_tail (&b->log, m);
  m->log_link = b->log.tail;
  g_queue_push_tail (&a->msgs, m);
  m->author_link = a->msgs.tail;
  if (slot) {
    if (!a->slots)
      a->slots = g_hash_table_new (g_str_hash, g_str_equal);
    g_hash_table_replace (a->slots, m->slot, m);
  }
  a->bytes += len;
  b->st.bytes += len;
  b->st.messages++;
  b->last_text = m->text;
  return MEETING_BOARD_OK;
}

void
meeting_board_author_left (MeetingBoard *b, const gchar *author)
{
  Author *a = g_hash_table_lookup (b->authors, author);

  if (!a || is_departed (a))
    return;
  if (a->msgs.length == 0) {
    g_hash_table_remove (b->authors, author);
    return;
  }
  g_queue_push_tail (&b->departed, a);
  a->departed_link = b->departed.tail;
  b->st.departed_bytes += a->bytes;
  b->st.departed_messages += a->msgs.length;
  while (b->st.departed_bytes > b->limits.departed_bytes)
    evict_one (b);
}

void
meeting_board_foreach (
    const MeetingBoard *b, MeetingBoardFunc func, gpointer user_data)
{
  for (GList *l = b->log.head; l; l = l->next) {
    Msg *m = l->data;
    func (m->seq, m->author->id, m->slot, m->text, m->len, user_data);
  }
}

void
meeting_board_get_stats (const MeetingBoard *b, MeetingBoardStats *stats)
{
  *stats = b->st;
  stats->authors = g_hash_table_size (b->authors);
}

guint
meeting_board_author_messages (const MeetingBoard *b, const gchar *author)
{
  Author *a = g_hash_table_lookup (b->authors, author);

  return a ? a->msgs.length : 0;
}

guint64
meeting_board_author_bytes (const MeetingBoard *b, const gchar *author)
{
  Author *a = g_hash_table_lookup (b->authors, author);

  return a ? a->bytes : 0;
}

/* ------------------------------------------------- gst-meeting-server */

#define DEFAULT_MAX_BYTES (16 * 1024 * 1024)
#define DEFAULT_MAX_MESSAGES 100000

static gint opt_max_bytes = -1; /* -1: the default, or what the quotas need */
static gint opt_max_messages = -1;
static gint opt_quota_bytes = 256 * 1024;
static gint opt_quota_messages = 32;
static gint opt_departed_bytes = 1024 * 1024;

static GOptionEntry board_entries[] = {
  { "max-board-bytes", 0, 0, G_OPTION_ARG_INT, &opt_max_bytes,
      "Bulletin board size per meeting in bytes, at least max-participants "
      "x board-quota-bytes + board-departed-bytes (default 16 MiB, or that "
      "when more)",
      "BYTES" },
  { "max-board-messages", 0, 0, G_OPTION_ARG_INT, &opt_max_messages,
      "Bulletin board messages per meeting, at least max-participants x "
      "board-quota-messages (default 100000, or that when more)",
      "N" },
  { "board-quota-bytes", 0, 0, G_OPTION_ARG_INT, &opt_quota_bytes,
      "Board bytes one participant may have stored at once (default 256 "
      "KiB); a post over it is refused with board-quota",
      "BYTES" },
  { "board-quota-messages", 0, 0, G_OPTION_ARG_INT, &opt_quota_messages,
      "Board messages one participant may have stored at once (default 32)",
      "N" },
  { "board-departed-bytes", 0, 0, G_OPTION_ARG_INT, &opt_departed_bytes,
      "Board bytes kept of participants who left (default 1 MiB); beyond "
      "it the messages of those who left first go first",
      "BYTES" },
  { NULL }
};

void
meeting_board_add_options (GOptionContext *ctx)
{
  g_option_context_add_main_entries (ctx, board_entries, NULL);
}

gboolean
meeting_board_options_limits (
    guint max_participants, MeetingBoardLimits *l, GError **error)
{
  gchar *why = NULL;

  if ((opt_max_bytes < 1 && opt_max_bytes != -1) ||
      (opt_max_messages < 1 && opt_max_messages != -1) || opt_quota_bytes < 1 ||
      opt_quota_messages < 1 || opt_departed_bytes < 0 ||
      max_participants < 1) {
    g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
        "board limits out of range");
    return FALSE;
  }
  l->quota_bytes = (guint64)opt_quota_bytes;
  l->quota_messages = (guint)opt_quota_messages;
  l->departed_bytes = (guint64)opt_departed_bytes;
  if (opt_max_bytes == -1)
    l->max_bytes = MAX ((guint64)DEFAULT_MAX_BYTES,
        max_participants * l->quota_bytes + l->departed_bytes);
  else
    l->max_bytes = (guint64)opt_max_bytes;
  if (opt_max_messages == -1)
    l->max_messages = (guint)MIN ((guint64)G_MAXUINT,
        MAX ((guint64)DEFAULT_MAX_MESSAGES,
            (guint64)max_participants * l->quota_messages));
  else
    l->max_messages = (guint)opt_max_messages;
  if (!meeting_board_limits_check (l, max_participants, &why)) {
    g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, why);
    g_free (why);
    return FALSE;
  }
  return TRUE;
}

/* A post that meeting_msg_parse () accepted (data is base64 of at least one
 * byte, slot NULL or valid): stored and, on success, *text is the `board`
 * message to deliver (owned by the board until the next post). */
const gchar *
meeting_board_handle_post (MeetingBoard *b, const gchar *author,
    const gchar *data, const gchar *slot, const gchar **text, const gchar **why)
{
  gchar *s;
  MeetingBoardResult res;

  *text = NULL;
  if (!data || (slot && !meeting_board_slot_valid (slot))) {
    *why = "board needs base64 data and an optional slot";
    return MEETING_ERR_BAD_REQUEST;
  }
  s = meeting_msg_board_text (b->next_seq, author, data, slot);
  res = meeting_board_post (b, author, slot, s, strlen (s));
  g_free (s);
  switch (res) {
    case MEETING_BOARD_OK:
      *text = b->last_text;
      return NULL;
    case MEETING_BOARD_QUOTA:
      *why = "over your bulletin board quota: the post was not stored";
      return MEETING_ERR_BOARD_QUOTA;
    case MEETING_BOARD_FULL:
    default:
      *why = "the meeting's bulletin board is full";
      return MEETING_ERR_BOARD_FULL;
  }
}

void
meeting_board_print_stats (const MeetingBoard *b, const gchar *room)
{
  MeetingBoardStats st;

  meeting_board_get_stats (b, &st);
  g_print ("board room=%s messages=%u bytes=%" G_GUINT64_FORMAT
           " departed=%" G_GUINT64_FORMAT " superseded=%" G_GUINT64_FORMAT
           " evicted=%" G_GUINT64_FORMAT " refused=%" G_GUINT64_FORMAT "\n",
      room, st.messages, st.bytes, st.departed_bytes, st.superseded, st.evicted,
      st.refused_quota + st.refused_full);
}
