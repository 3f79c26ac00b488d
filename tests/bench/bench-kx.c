/* Key-exchange benchmarks (run on demand, see README.md):
 *
 * 1. leader CPU time per rekey with N participants (thread CPU clock around
 *    the tick that rekeys: new roster signed, one key box per member, the
 *    epoch's media keys derived and put in the keyring);
 * 2. time from a participant joining a running meeting to the first media
 *    frame it can decrypt, in-process on a real clock, split into the
 *    protocol's deliberate delays (join batching, the send switch that waits
 *    for the members' ACKs and the leader's heartbeat) and the rest.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gst/gst.h>

#include <sodium.h>

#include "e2eekx.h"
#include "sframe.h"

static gint64
cpu_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static gint
cmp_i64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------ rekey cost */

typedef struct
{
  GPtrArray *out; /* messages the leader sent */
} Sink;

static void
sink_send (GstE2eeKx *kx, GBytes *msg, gpointer data)
{
  Sink *s = data;
  g_ptr_array_add (s->out, g_bytes_ref (msg));
}

static void
drop_event (GstE2eeKx *kx, GstStructure *ev, gpointer data)
{
  gst_structure_free (ev);
}

static GBytes *
announce (GstE2eeIdentity *id, GstE2eeDhKey *dh, const gchar *pid, GBytes *inst)
{
  GstE2eeMsg *m = gst_e2ee_msg_new (GST_E2EE_MSG_ANNOUNCE, "bench", inst, pid);
  GBytes *b;

  memcpy (m->identity_key, id->pk, 32);
  memcpy (m->dh_key, dh->pk, 32);
  m->display_name = g_strdup (pid);
  randombytes_buf (m->nonce, sizeof (m->nonce));
  b = gst_e2ee_msg_encode (m, id, NULL);
  gst_e2ee_msg_free (m);
  return b;
}

static void
bench_rekey (guint n, guint reps)
{
  guint8 ib[16] = { 7 };
  GBytes *inst = g_bytes_new (ib, sizeof (ib));
  GstE2eeIdentity *lid = gst_e2ee_identity_new ();
  GstE2eeKeyring *kr = gst_e2ee_keyring_new ("bench");
  Sink sink = { g_ptr_array_new_with_free_func (
      (GDestroyNotify)g_bytes_unref) };
  GstE2eeKxCallbacks cb = { sink_send, drop_event };
  GstE2eeKxConfig cfg = { 0 };
  GstE2eeKx *kx;
  gint64 now = 0, *samples = g_new (gint64, reps);
  gsize bytes = 0;

  cfg.meeting_id = "bench";
  cfg.instance = inst;
  cfg.participant_id = "leader";
  cfg.heartbeat_ms = 1000;
  cfg.heartbeat_timeout_ms = 1000000;
  cfg.ack_timeout_ms = 1;
  cfg.grace_ms = 1;
  cfg.rekey_interval_ms = 100000;
  kx = gst_e2ee_kx_new (&cfg, lid, kr, &cb, &sink);
  gst_e2ee_kx_start (kx, now);
  /* the leader's own announce comes first on the board, then n-1 others */
  {
    GBytes *own = g_ptr_array_index (sink.out, 0);
    gst_e2ee_kx_receive (
        kx, g_bytes_get_data (own, NULL), g_bytes_get_size (own), now);
  }
  for (guint i = 1; i < n; i++) {
    GstE2eeIdentity *id = gst_e2ee_identity_new ();
    GstE2eeDhKey *dh = gst_e2ee_dh_key_new ();
    gchar *pid = g_strdup_printf ("p%04u", i);
    GBytes *a = announce (id, dh, pid, inst);
    gst_e2ee_kx_receive (
        kx, g_bytes_get_data (a, NULL), g_bytes_get_size (a), now);
    g_bytes_unref (a);
    g_free (pid);
    gst_e2ee_dh_key_free (dh);
    gst_e2ee_identity_free (id);
  }
  now = 3000;
  gst_e2ee_kx_tick (kx, now); /* becomes leader: epoch 1 */
  g_assert (gst_e2ee_kx_is_leader (kx));

  for (guint r = 0; r < reps; r++) {
    gint64 t0;
    guint before = sink.out->len;
    now += 100000; /* the periodic rekey is due */
    t0 = cpu_ns ();
    gst_e2ee_kx_tick (kx, now);
    samples[r] = cpu_ns () - t0;
    for (guint i = before; i < sink.out->len; i++)
      bytes += g_bytes_get_size (sink.out->pdata[i]);
    gst_e2ee_kx_tick (kx, now + 5); /* send switch, old epoch retired */
  }
  qsort (samples, reps, sizeof (gint64), (GCompareFunc)cmp_i64);
  printf (
      "rekey  %5u participants  leader CPU median %8.2f ms  "
      "(min %.2f, max %.2f)  %7.1f KiB sent per rekey  epoch %" G_GUINT64_FORMAT
      "\n",
      n, samples[reps / 2] / 1e6, samples[0] / 1e6, samples[reps - 1] / 1e6,
      bytes / 1024.0 / reps, gst_e2ee_kx_get_epoch (kx));
  g_free (samples);
  gst_e2ee_kx_free (kx);
  g_ptr_array_unref (sink.out);
  gst_object_unref (kr);
  gst_e2ee_identity_free (lid);
  g_bytes_unref (inst);
}

/* ------------------------------------------------------------ join time */

typedef struct
{
  GPtrArray *log;
  GPtrArray *parts; /* Part* */
} Board;

typedef struct
{
  Board *board;
  GstE2eeKx *kx;
  GstE2eeIdentity *id;
  GstE2eeKeyring *kr;
  guint cursor;
} Part;

static void
board_send (GstE2eeKx *kx, GBytes *msg, gpointer data)
{
  Part *p = data;
  g_ptr_array_add (p->board->log, g_bytes_ref (msg));
}

static gint64
now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

static Part *
part_new (Board *b, const gchar *pid, GBytes *inst)
{
  Part *p = g_new0 (Part, 1);
  GstE2eeKxConfig cfg = { 0 };
  GstE2eeKxCallbacks cb = { board_send, drop_event };

  cfg.meeting_id = "bench";
  cfg.instance = inst;
  cfg.participant_id = pid;
  cfg.heartbeat_ms = 1000;
  cfg.start_wait_ms = 100;
  p->board = b;
  p->id = gst_e2ee_identity_new ();
  p->kr = gst_e2ee_keyring_new ("bench");
  p->kx = gst_e2ee_kx_new (&cfg, p->id, p->kr, &cb, p);
  g_ptr_array_add (b->parts, p);
  gst_e2ee_kx_start (p->kx, now_ms ());
  return p;
}

static void
board_step (Board *b)
{
  gboolean more = TRUE;

  while (more) {
    more = FALSE;
    for (guint i = 0; i < b->parts->len; i++) {
      Part *p = b->parts->pdata[i];
      while (p->cursor < b->log->len) {
        GBytes *m = b->log->pdata[p->cursor++];
        gst_e2ee_kx_receive (
            p->kx, g_bytes_get_data (m, NULL), g_bytes_get_size (m), now_ms ());
        more = TRUE;
      }
    }
    for (guint i = 0; i < b->parts->len; i++)
      gst_e2ee_kx_tick (((Part *)b->parts->pdata[i])->kx, now_ms ());
  }
}

static void
bench_join (guint n, guint reps)
{
  for (guint r = 0; r < reps; r++) {
    guint8 ib[16];
    GBytes *inst;
    Board b = { g_ptr_array_new_with_free_func ((GDestroyNotify)g_bytes_unref),
      g_ptr_array_new () };
    Part *joiner, *alice;
    gint64 t0, t_key = 0, t_frame = 0, deadline;
    guint64 e0;

    randombytes_buf (ib, sizeof (ib));
    inst = g_bytes_new (ib, sizeof (ib));
    for (guint i = 0; i < n; i++) {
      gchar *pid = g_strdup_printf ("p%03u", i);
      part_new (&b, pid, inst);
      g_free (pid);
    }
    alice = b.parts->pdata[0];
    deadline = now_ms () + 10000;
    while (
        gst_e2ee_kx_get_send_epoch (((Part *)b.parts->pdata[n - 1])->kx) == 0 &&
        now_ms () < deadline) {
      board_step (&b);
      g_usleep (1000);
    }
    e0 = gst_e2ee_kx_get_send_epoch (alice->kx);

    t0 = now_ms ();
    joiner = part_new (&b, "joiner", inst);
    deadline = t0 + 10000;
    while (!t_frame && now_ms () < deadline) {
      board_step (&b);
      if (!t_key && gst_e2ee_kx_get_epoch (joiner->kx) > e0)
        t_key = now_ms ();
      /* alice's frames decrypt at the joiner once she sends with a key the
       * joiner holds */
      if (t_key && gst_e2ee_kx_get_send_epoch (alice->kx) > e0)
        t_frame = now_ms ();
      g_usleep (500);
    }
    printf ("join   %3u participants  key after %4" G_GINT64_FORMAT
            " ms (join batch 200 ms)  first decryptable frame after "
            "%4" G_GINT64_FORMAT " ms (send switch %" G_GINT64_FORMAT " ms)\n",
        n, t_key - t0, t_frame - t0, t_frame - t_key);
    for (guint i = 0; i < b.parts->len; i++) {
      Part *p = b.parts->pdata[i];
      gst_e2ee_kx_free (p->kx);
      gst_object_unref (p->kr);
      gst_e2ee_identity_free (p->id);
      g_free (p);
    }
    g_ptr_array_unref (b.parts);
    g_ptr_array_unref (b.log);
    g_bytes_unref (inst);
  }
}

int
main (int argc, char **argv)
{
  const gchar *only = g_getenv ("BENCH_ONLY");

  gst_init (&argc, &argv);
  gst_e2ee_sframe_init ();
  printf ("== key exchange (leader CPU: thread CPU clock; join: wall clock, "
          "in-process)\n");
  if (!only || strstr (only, "rekey")) {
    bench_rekey (10, 21);
    bench_rekey (100, 11);
    bench_rekey (1000, 5);
  }
  if (!only || strstr (only, "join")) {
    bench_join (3, 3);
    bench_join (10, 3);
  }
  return 0;
}
