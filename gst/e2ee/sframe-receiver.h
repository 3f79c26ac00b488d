/* SFrame receiver state without GStreamer: the per-KID replay window
 * (RFC 9605 section 9.3), the bounded table of KIDs that authenticated, a
 * token bucket, the queue of frames held until their key arrives, and the
 * run of failures that tells a user nothing decrypts.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Like sframe.c this knows nothing of GStreamer; e2eedec drives it and
 * tests/check/libs/receiver.c tests it on its own.  Nothing here takes a
 * lock: one streaming thread owns a table (readers on other threads, such
 * as a stats getter, need a lock of the owner around the writes).
 */
#ifndef __SFRAME_RECEIVER_H__
#define __SFRAME_RECEIVER_H__

#include <glib.h>

G_BEGIN_DECLS

#define SFRAME_REPLAY_WINDOW_MAX 65536

/* The counters seen of one KID: every counter above the highest seen is
 * new; below it, the last `bits` counters are remembered one bit each and
 * anything older is refused.  bits == 0 turns replay protection off. */
typedef struct
{
  guint bits; /* a multiple of 64, at most SFRAME_REPLAY_WINDOW_MAX */
  gboolean seen; /* top is valid */
  guint64 top; /* highest counter committed */
  guint64 *map; /* bits / 64 words, allocated at the first commit */
} SFrameReplayWindow;

/* bits is rounded up to a multiple of 64 and capped. */
void sframe_replay_init (SFrameReplayWindow *w, guint bits);
/* A window whose counters up to and including top all count as seen (a
 * KID whose state was evicted: its old counters stay refused). */
void sframe_replay_init_floor (SFrameReplayWindow *w, guint bits, guint64 top);
void sframe_replay_clear (SFrameReplayWindow *w);
/* TRUE when ctr was not seen and is not too old. Changes nothing. */
gboolean sframe_replay_check (const SFrameReplayWindow *w, guint64 ctr);
/* Marks ctr seen (after its frame authenticated). */
void sframe_replay_commit (SFrameReplayWindow *w, guint64 ctr);

/* One KID's entry.  Callers embed it as the first member of their own
 * per-KID structure, and give the table the function that frees that. */
typedef struct
{
  guint64 kid;
  /* which key material the window belongs to (e.g. a keyed hash of the
   * key, 0 when there is only one): a floor is taken back only by an
   * entry of the same KID and key_tag */
  guint64 key_tag;
  SFrameReplayWindow replay;
  guint64 last_used; /* LRU tick, set by sframe_kid_table_touch() */
} SFrameKidEntry;

typedef struct _SFrameKidTable SFrameKidTable;

/* A table of at most max_entries KIDs (least recently used evicted first)
 * that remembers, for up to max_floors evicted KIDs, where their window
 * stood.  window_bits as in sframe_replay_init(). */
SFrameKidTable *sframe_kid_table_new (guint max_entries, guint max_floors,
    guint window_bits, GDestroyNotify free_entry);
void sframe_kid_table_free (SFrameKidTable *t);
guint sframe_kid_table_get_window_bits (const SFrameKidTable *t);
guint sframe_kid_table_size (const SFrameKidTable *t);
guint sframe_kid_table_n_floors (const SFrameKidTable *t);

/* The entry of kid, or NULL (the last hit is cached). */
SFrameKidEntry *sframe_kid_table_lookup (SFrameKidTable *t, guint64 kid);
/* Prepares an entry that is not in the table yet (a candidate): its KID,
 * key_tag and a replay window that starts from the floor of an evicted or
 * retired state of the same KID and key_tag (a floor of another key_tag
 * does not apply: another key cannot authenticate the old frames). */
void sframe_kid_table_prepare (
    const SFrameKidTable *t, SFrameKidEntry *e, guint64 kid, guint64 key_tag);
/* Adds a prepared entry, evicting the least recently used one (its floor
 * is remembered) when full.  FALSE, and the table unchanged, when there is
 * no room for another floor either: the caller must refuse the KID rather
 * than forget a window. */
gboolean sframe_kid_table_insert (SFrameKidTable *t, SFrameKidEntry *e);
/* Marks e as just used (for the LRU order). */
void sframe_kid_table_touch (SFrameKidTable *t, SFrameKidEntry *e);
/* Removes (and frees) the entries for which func returns TRUE; their
 * floors are not kept (for keys that are gone for good). */
guint sframe_kid_table_remove_if (
    SFrameKidTable *t, GHRFunc func, gpointer user_data);
/* Removes (and frees) the entries for which func returns TRUE, keeping
 * their floors (for keys that are gone but whose KID may come back with
 * the same key: its old counters stay refused).  Floors are kept while
 * there is room for them (max_floors in all). */
guint sframe_kid_table_retire_if (
    SFrameKidTable *t, GHRFunc func, gpointer user_data);
/* Calls func (&entry->kid, entry, user_data) for each entry. */
void sframe_kid_table_foreach (SFrameKidTable *t, GHFunc func, gpointer data);
/* Forgets everything, floors included. */
void sframe_kid_table_clear (SFrameKidTable *t);

/* A token bucket: rate tokens per second, at most burst, starting full.
 * Times in microseconds of any monotonic clock. */
typedef struct
{
  gdouble rate;
  gdouble burst;
  gdouble tokens;
  gint64 last_us;
  gboolean started;
} SFrameTokenBucket;

void sframe_token_bucket_init (
    SFrameTokenBucket *b, gdouble rate, gdouble burst);
/* Takes one token if there is one. */
gboolean sframe_token_bucket_take (SFrameTokenBucket *b, gint64 now_us);

/* Frames held while their key is unknown: bounded in bytes (the oldest go
 * first) and in time.  Items are opaque (a GstBuffer for e2eedec); times
 * are in any unit, the same for every call (e2eedec: its clock's ns). */
typedef struct
{
  GQueue items;
  gsize bytes;
  gsize max_bytes;
  guint64 timeout;
} SFrameHoldQueue;

void sframe_hold_queue_init (SFrameHoldQueue *q);
void sframe_hold_queue_set_limits (
    SFrameHoldQueue *q, gsize max_bytes, guint64 timeout);
guint sframe_hold_queue_length (const SFrameHoldQueue *q);
/* Holds item (size bytes, arrived at now).  FALSE, and nothing taken,
 * when it can never fit (timeout 0 or bigger than max_bytes).  The oldest
 * items that must go to make room are passed to evict (they are the
 * caller's again), oldest first. */
gboolean sframe_hold_queue_push (SFrameHoldQueue *q, gpointer item, gsize size,
    guint64 now, GFunc evict, gpointer data);
/* Whether the oldest item has waited its time at now. */
gboolean sframe_hold_queue_head_expired (const SFrameHoldQueue *q, guint64 now);
/* Offers every item, oldest first, to retry (item, GSIZE_TO_POINTER (size),
 * data) (TRUE: it took the item, which leaves the queue); of the others, those
 * that waited their time (all of them when final) leave the queue through
 * expire. */
void sframe_hold_queue_process (SFrameHoldQueue *q, guint64 now, gboolean final,
    GHRFunc retry, GFunc expire, gpointer data);
/* Empties the queue through free_item. */
void sframe_hold_queue_clear (SFrameHoldQueue *q, GDestroyNotify free_item);

/* A run of failures with no success in between. */
#define SFRAME_FAIL_REASONS 8

typedef struct
{
  gboolean active;
  gboolean warned;
  guint64 since;
  guint64 count;
  guint64 by_reason[SFRAME_FAIL_REASONS];
  gboolean have_kid;
  guint64 kid; /* of the last failure that had one */
} SFrameFailRun;

void sframe_fail_run_init (SFrameFailRun *r);
/* Counts a failure (reason < SFRAME_FAIL_REASONS) at now.  TRUE once per
 * run: when it has lasted timeout (then it counts as warned). */
gboolean sframe_fail_run_add (SFrameFailRun *r, guint reason, gboolean have_kid,
    guint64 kid, guint64 now, guint64 timeout);
/* The most frequent reason of the run. */
guint sframe_fail_run_top_reason (const SFrameFailRun *r);
/* A success ends the run: TRUE when it had been warned about. */
gboolean sframe_fail_run_end (SFrameFailRun *r);

G_END_DECLS

#endif /* __SFRAME_RECEIVER_H__ */
