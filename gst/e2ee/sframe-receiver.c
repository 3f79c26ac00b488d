/* SFrame receiver state without GStreamer: replay window, KID table,
 * token bucket, hold queue, failure run.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sframe-receiver.h"

#include <string.h>

#define BIT(pos) (G_GUINT64_CONSTANT (1) << ((pos) % 64))

void
sframe_replay_init (SFrameReplayWindow *w, guint bits)
{
  memset (w, 0, sizeof (*w));
  bits = MIN (bits, SFRAME_REPLAY_WINDOW_MAX);
  w->bits = (bits + 63) / 64 * 64;
}

void
sframe_replay_init_floor (SFrameReplayWindow *w, guint bits, guint64 top)
{
  sframe_replay_init (w, bits);
  w->seen = TRUE;
  w->top = top;
  /* map stays NULL: everything at or below top counts as seen until the
   * first commit fills it in */
}

void
sframe_replay_clear (SFrameReplayWindow *w)
{
  g_clear_pointer (&w->map, g_free);
  w->seen = FALSE;
  w->top = 0;
}

gboolean
sframe_replay_check (const SFrameReplayWindow *w, guint64 ctr)
{
  guint64 pos;

  if (w->bits == 0 || !w->seen || ctr > w->top)
    return TRUE;
  if (w->top - ctr >= w->bits || !w->map)
    return FALSE;
  pos = ctr % w->bits;
  return !(w->map[pos / 64] & BIT (pos));
}

void
sframe_replay_commit (SFrameReplayWindow *w, guint64 ctr)
{
  guint64 pos;

  if (w->bits == 0)
    return;
  if (!w->map) {
    w->map = g_new0 (guint64, w->bits / 64);
    /* a window restored from a floor starts with everything below seen */
    if (w->seen)
      memset (w->map, 0xff, w->bits / 8);
  }
  if (!w->seen || (ctr > w->top && ctr - w->top >= w->bits)) {
    memset (w->map, 0, w->bits / 8);
  } else if (ctr > w->top) {
    /* the counters skipped over become unseen slots */
    for (guint64 c = w->top + 1; c < ctr; c++) {
      pos = c % w->bits;
      w->map[pos / 64] &= ~BIT (pos);
    }
  }
  if (!w->seen || ctr > w->top)
    w->top = ctr;
  w->seen = TRUE;
  pos = ctr % w->bits;
  w->map[pos / 64] |= BIT (pos);
}

/* ------------------------------------------------------------ KID table */

typedef struct
{
  guint64 top;
  guint64 key_tag;
} Floor;

struct _SFrameKidTable
{
  guint max_entries;
  guint max_floors;
  guint window_bits;
  GDestroyNotify free_entry;
  GHashTable *entries; /* &entry->kid -> entry */
  GHashTable *floors; /* kid -> Floor of an evicted or retired entry */
  SFrameKidEntry *last; /* lookup cache */
  guint64 tick;
};

SFrameKidTable *
sframe_kid_table_new (guint max_entries, guint max_floors, guint window_bits,
    GDestroyNotify free_entry)
{
  SFrameKidTable *t = g_new0 (SFrameKidTable, 1);
  SFrameReplayWindow w;

  g_return_val_if_fail (max_entries > 0, NULL);
  t->max_entries = max_entries;
  t->max_floors = max_floors;
  sframe_replay_init (&w, window_bits);
  t->window_bits = w.bits;
  t->free_entry = free_entry ? free_entry : g_free;
  t->entries =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, t->free_entry);
  t->floors =
      g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  return t;
}

void
sframe_kid_table_free (SFrameKidTable *t)
{
  if (!t)
    return;
  g_hash_table_unref (t->entries);
  g_hash_table_unref (t->floors);
  g_free (t);
}

guint
sframe_kid_table_get_window_bits (const SFrameKidTable *t)
{
  return t->window_bits;
}

guint
sframe_kid_table_size (const SFrameKidTable *t)
{
  return g_hash_table_size (t->entries);
}

guint
sframe_kid_table_n_floors (const SFrameKidTable *t)
{
  return g_hash_table_size (t->floors);
}

SFrameKidEntry *
sframe_kid_table_lookup (SFrameKidTable *t, guint64 kid)
{
  SFrameKidEntry *e;

  if (t->last && t->last->kid == kid)
    return t->last;
  e = g_hash_table_lookup (t->entries, &kid);
  if (e)
    t->last = e;
  return e;
}

void
sframe_kid_table_prepare (
    const SFrameKidTable *t, SFrameKidEntry *e, guint64 kid, guint64 key_tag)
{
  const Floor *floor = g_hash_table_lookup (t->floors, &kid);

  e->kid = kid;
  e->key_tag = key_tag;
  e->last_used = 0;
  if (floor && floor->key_tag == key_tag)
    sframe_replay_init_floor (&e->replay, t->window_bits, floor->top);
  else
    sframe_replay_init (&e->replay, t->window_bits);
}

static void
keep_floor (SFrameKidTable *t, const SFrameKidEntry *e)
{
  Floor *f;

  if (!e->replay.seen)
    return;
  f = g_new (Floor, 1);
  f->top = e->replay.top;
  f->key_tag = e->key_tag;
  g_hash_table_insert (t->floors, g_memdup2 (&e->kid, 8), f);
}

static void
evict_lru (SFrameKidTable *t)
{
  GHashTableIter it;
  gpointer v;
  SFrameKidEntry *oldest = NULL;

  g_hash_table_iter_init (&it, t->entries);
  while (g_hash_table_iter_next (&it, NULL, &v))
    if (!oldest || ((SFrameKidEntry *)v)->last_used < oldest->last_used)
      oldest = v;
  if (!oldest)
    return;
  /* remember where its window stood so that its old counters stay
   * refused if it comes back */
  keep_floor (t, oldest);
  if (t->last == oldest)
    t->last = NULL;
  g_hash_table_remove (t->entries, &oldest->kid);
}

gboolean
sframe_kid_table_insert (SFrameKidTable *t, SFrameKidEntry *e)
{
  if (g_hash_table_size (t->entries) >= t->max_entries) {
    if (g_hash_table_size (t->floors) >= t->max_floors)
      return FALSE;
    evict_lru (t);
  }
  g_hash_table_remove (t->floors, &e->kid);
  g_hash_table_insert (t->entries, &e->kid, e);
  t->last = e;
  e->last_used = ++t->tick;
  return TRUE;
}

void
sframe_kid_table_touch (SFrameKidTable *t, SFrameKidEntry *e)
{
  e->last_used = ++t->tick;
}

typedef struct
{
  SFrameKidTable *t;
  GHRFunc func;
  gpointer data;
  gboolean keep_floors;
} RemoveIf;

static gboolean
remove_if_cb (gpointer key, gpointer value, gpointer data)
{
  RemoveIf *r = data;
  SFrameKidEntry *e = value;

  if (!r->func (key, value, r->data))
    return FALSE;
  if (r->keep_floors &&
      (g_hash_table_contains (r->t->floors, &e->kid) ||
          g_hash_table_size (r->t->floors) < r->t->max_floors))
    keep_floor (r->t, e);
  if (r->t->last == value)
    r->t->last = NULL;
  return TRUE;
}

guint
sframe_kid_table_remove_if (SFrameKidTable *t, GHRFunc func, gpointer data)
{
  RemoveIf r = { t, func, data, FALSE };

  return g_hash_table_foreach_remove (t->entries, remove_if_cb, &r);
}

guint
sframe_kid_table_retire_if (SFrameKidTable *t, GHRFunc func, gpointer data)
{
  RemoveIf r = { t, func, data, TRUE };

  return g_hash_table_foreach_remove (t->entries, remove_if_cb, &r);
}

void
sframe_kid_table_foreach (SFrameKidTable *t, GHFunc func, gpointer data)
{
  g_hash_table_foreach (t->entries, func, data);
}

void
sframe_kid_table_clear (SFrameKidTable *t)
{
  t->last = NULL;
  g_hash_table_remove_all (t->entries);
  g_hash_table_remove_all (t->floors);
}

/* --------------------------------------------------------- token bucket */

void
sframe_token_bucket_init (SFrameTokenBucket *b, gdouble rate, gdouble burst)
{
  b->rate = rate;
  b->burst = burst;
  b->tokens = burst;
  b->last_us = 0;
  b->started = FALSE;
}

gboolean
sframe_token_bucket_take (SFrameTokenBucket *b, gint64 now_us)
{
  if (b->started && now_us > b->last_us)
    b->tokens += (gdouble)(now_us - b->last_us) * b->rate / G_USEC_PER_SEC;
  if (!b->started || now_us > b->last_us)
    b->last_us = now_us;
  b->started = TRUE;
  if (b->tokens > b->burst)
    b->tokens = b->burst;
  if (b->tokens < 1.0)
    return FALSE;
  b->tokens -= 1.0;
  return TRUE;
}

/* ----------------------------------------------------------- hold queue */

typedef struct
{
  gpointer item;
  gsize size;
  guint64 arrival;
} Held;

void
sframe_hold_queue_init (SFrameHoldQueue *q)
{
  g_queue_init (&q->items);
  q->bytes = 0;
  q->max_bytes = 0;
  q->timeout = 0;
}

void
sframe_hold_queue_set_limits (
    SFrameHoldQueue *q, gsize max_bytes, guint64 timeout)
{
  q->max_bytes = max_bytes;
  q->timeout = timeout;
}

guint
sframe_hold_queue_length (const SFrameHoldQueue *q)
{
  return q->items.length;
}

static gpointer
take (SFrameHoldQueue *q, GList *l)
{
  Held *h = l->data;
  gpointer item = h->item;

  q->bytes -= h->size;
  g_queue_delete_link (&q->items, l);
  g_free (h);
  return item;
}

gboolean
sframe_hold_queue_push (SFrameHoldQueue *q, gpointer item, gsize size,
    guint64 now, GFunc evict, gpointer data)
{
  Held *h;

  if (q->timeout == 0 || size > q->max_bytes)
    return FALSE;
  while (q->bytes + size > q->max_bytes)
    evict (take (q, q->items.head), data);
  h = g_new (Held, 1);
  h->item = item;
  h->size = size;
  h->arrival = now;
  g_queue_push_tail (&q->items, h);
  q->bytes += size;
  return TRUE;
}

static gboolean
expired (const SFrameHoldQueue *q, const Held *h, guint64 now)
{
  /* a clock that went back counts as expired rather than holding on */
  return now < h->arrival || now - h->arrival >= q->timeout;
}

gboolean
sframe_hold_queue_head_expired (const SFrameHoldQueue *q, guint64 now)
{
  return q->items.head && expired (q, q->items.head->data, now);
}

void
sframe_hold_queue_process (SFrameHoldQueue *q, guint64 now, gboolean final,
    GHRFunc retry, GFunc expire, gpointer data)
{
  GList *l, *next;

  for (l = q->items.head; l; l = next) {
    Held *h = l->data;

    next = l->next;
    if (retry (h->item, GSIZE_TO_POINTER (h->size), data))
      take (q, l);
    else if (final || expired (q, h, now))
      expire (take (q, l), data);
  }
}

void
sframe_hold_queue_clear (SFrameHoldQueue *q, GDestroyNotify free_item)
{
  while (q->items.head)
    free_item (take (q, q->items.head));
}

/* ---------------------------------------------------------- failure run */

void
sframe_fail_run_init (SFrameFailRun *r)
{
  memset (r, 0, sizeof (*r));
}

gboolean
sframe_fail_run_add (SFrameFailRun *r, guint reason, gboolean have_kid,
    guint64 kid, guint64 now, guint64 timeout)
{
  g_return_val_if_fail (reason < SFRAME_FAIL_REASONS, FALSE);
  if (!r->active) {
    r->active = TRUE;
    r->since = now;
  }
  r->count++;
  r->by_reason[reason]++;
  if (have_kid) {
    r->have_kid = TRUE;
    r->kid = kid;
  }
  if (r->warned || now < r->since || now - r->since < timeout)
    return FALSE;
  r->warned = TRUE;
  return TRUE;
}

guint
sframe_fail_run_top_reason (const SFrameFailRun *r)
{
  guint top = 0;

  for (guint i = 1; i < SFRAME_FAIL_REASONS; i++)
    if (r->by_reason[i] > r->by_reason[top])
      top = i;
  return top;
}

gboolean
sframe_fail_run_end (SFrameFailRun *r)
{
  gboolean warned = r->warned;

  sframe_fail_run_init (r);
  return warned;
}
