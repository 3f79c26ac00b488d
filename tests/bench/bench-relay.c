/* Forwarding capacity of tools/gst-meeting-server next to a bare UDP relay
 * (run on demand, see README.md here).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * For each N, N participants publish one RTP stream each (12-byte header,
 * random payload, payload type 96) and every packet goes to the N-1
 * others.  Two relays carry the same load, one after the other:
 *
 * - the server, spawned as it is deployed; this program joins it as N
 *   participants (WebSocket signaling, one libnice agent each, ICE over
 *   127.0.0.1) and publishes one stream per participant;
 * - a bare relay, a forked child of this program: one UDP socket, one
 *   thread, recvmmsg a batch, sendmmsg each packet to the N-1 others.
 *
 * The load leaves from the participants' own sockets (for the server, the
 * socket of each agent's selected pair) in sendmmsg batches, paced and
 * staggered over the participants, at two rates:
 *
 * - saturating: twice the rate at which a short ramp predicts one core of
 *   relay CPU, raised further if the relay does not use 95 % of a core or
 *   did not drop input, so it always has packets waiting and the kernel
 *   drops the excess at its sockets.  Not a flood from every socket:
 *   libnice reads a socket until it is empty, so a participant sending
 *   faster than the whole server can forward holds its main loop (the
 *   stats, the other participants) for as long as it does; no socket gets
 *   more than 70 % of the predicted capacity.  Receivers are not read: the
 * kernel drops what overflows their buffers, and after each window what they
 * hold is checked;
 * - BENCH_PPS packets/s per participant (server only): the CPU a
 *   participant costs at a realistic rate; the main context runs between
 *   sends, so the participants read and check everything they receive.
 *
 * Before the windows, a slow delivery check makes sure that every
 * participant gets exactly what the others sent, byte for byte, through
 * each relay.
 *
 * A relay's CPU time is the sum of its threads' run time
 * (/proc/PID/task/TID/schedstat, in ns; utime + stime of /proc/PID/stat if
 * there is no schedstat); its counters are the server's "stats" lines
 * (--stats-interval 1) or the bare relay's shared counters, sampled together
 * with the CPU time once a second.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <glib.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "bench-common.h"
#include "bench-relay.h"
#include "meetingproto.h"

/* ------------------------------------------------------------- packets */

static inline void
wr32 (guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

void
sender_init (Sender *s, guint idx, guint payload)
{
  memset (s, 0, sizeof (*s));
  s->fd = -1;
  s->ssrc = SSRC_BASE + idx;
  s->seq = (guint16)g_random_int ();
  s->ts = g_random_int ();
  s->len = HDR_LEN + payload;
  s->pkts = g_malloc ((gsize)SLOTS * s->len);
  for (guint k = 0; k < SLOTS; k++) {
    guint8 *p = s->pkts + (gsize)k * s->len;

    memset (p, 0, HDR_LEN);
    p[0] = 0x80;
    wr32 (p + 8, s->ssrc);
    for (guint j = HDR_LEN; j < s->len; j++)
      p[j] = (guint8)g_random_int ();
    s->iov[k].iov_base = p;
    s->iov[k].iov_len = s->len;
    s->msgs[k].msg_hdr.msg_name = &s->to;
    s->msgs[k].msg_hdr.msg_namelen = sizeof (s->to);
    s->msgs[k].msg_hdr.msg_iovlen = 1;
  }
}

void
sender_clear (Sender *s)
{
  g_clear_pointer (&s->pkts, g_free);
}

/* Marker on every 5th packet (the last of a "frame"). */
static inline guint8
pt_byte (guint16 seq)
{
  return PT | (seq % 5 == 0 ? 0x80 : 0);
}

/* Sends up to n (<= SLOTS) consecutive packets in one sendmmsg; returns how
 * many left. */
guint
sender_send (Sender *s, guint n)
{
  gint r;

  n = MIN (n, SLOTS);
  for (guint k = 0; k < n; k++) {
    guint16 seq = (guint16)(s->seq + k);
    guint slot = seq % SLOTS;
    guint8 *p = s->pkts + (gsize)slot * s->len;

    p[1] = pt_byte (seq);
    p[2] = (guint8)(seq >> 8);
    p[3] = (guint8)seq;
    wr32 (p + 4, s->ts + k * 960);
    s->msgs[k].msg_hdr.msg_iov = &s->iov[slot];
  }
  r = sendmmsg (s->fd, s->msgs, n, MSG_DONTWAIT);
  if (r <= 0)
    return 0;
  s->seq += (guint16)r;
  s->ts += (guint32)r * 960;
  s->sent += (guint)r;
  return (guint)r;
}

/* TRUE if p is an intact packet of a participant other than self. */
gboolean
packet_ok (
    const Sender *senders, guint n, guint self, const guint8 *p, gsize len)
{
  const Sender *s;
  const guint8 *ref;
  guint32 idx;
  guint16 seq;

  if (len < HDR_LEN || p[0] != 0x80)
    return FALSE;
  idx = meeting_rd32 (p + 8) - SSRC_BASE;
  if (idx >= n || idx == self)
    return FALSE;
  s = &senders[idx];
  seq = (guint16)(p[2] << 8 | p[3]);
  if (len != s->len || p[1] != pt_byte (seq))
    return FALSE;
  ref = s->pkts + (gsize)(seq % SLOTS) * s->len;
  return memcmp (p + HDR_LEN, ref + HDR_LEN, len - HDR_LEN) == 0;
}

/* ------------------------------------------------------------ CPU time */

static gboolean use_schedstat;
static gint64 clk_tck = 100;
static GArray *ksoftirqd; /* GPid */

static gint64
read_schedstat (const gchar *path)
{
  gchar buf[128];
  gint fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof (buf) - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = 0;
  return g_ascii_strtoll (buf, NULL, 10);
}

/* utime + stime of all threads, in clock ticks, as ns */
static gint64
stat_cpu_ns (GPid pid)
{
  gchar path[64], *text = NULL, *p;
  gchar **f;
  gint64 v = -1;

  g_snprintf (path, sizeof (path), "/proc/%d/stat", (gint)pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  p = strrchr (text, ')');
  if (p) {
    /* after the name: field 3 (state) onwards; utime is 14, stime 15 */
    f = g_strsplit (p + 2, " ", 16);
    if (g_strv_length (f) >= 14)
      v = (g_ascii_strtoll (f[11], NULL, 10) +
              g_ascii_strtoll (f[12], NULL, 10)) *
          (1000000000 / clk_tck);
    g_strfreev (f);
  }
  g_free (text);
  return v;
}

/* CPU time of all threads of pid, in ns. */
static gint64
proc_cpu_ns (GPid pid)
{
  gchar path[96];
  GDir *dir;
  const gchar *tid;
  gint64 sum = 0;

  if (!use_schedstat)
    return stat_cpu_ns (pid);
  g_snprintf (path, sizeof (path), "/proc/%d/task", (gint)pid);
  dir = g_dir_open (path, 0, NULL);
  if (!dir)
    return -1;
  while ((tid = g_dir_read_name (dir))) {
    gint64 v;

    g_snprintf (
        path, sizeof (path), "/proc/%d/task/%s/schedstat", (gint)pid, tid);
    v = read_schedstat (path);
    if (v > 0) /* a thread may just have ended */
      sum += v;
  }
  g_dir_close (dir);
  return sum;
}

/* The kernel threads that take over softirq work (network receive on the
 * loopback) when there is too much of it: their time is nobody's CPU. */
static void
find_ksoftirqd (void)
{
  GDir *dir = g_dir_open ("/proc", 0, NULL);
  const gchar *name;

  ksoftirqd = g_array_new (FALSE, FALSE, sizeof (GPid));
  if (!dir)
    return;
  while ((name = g_dir_read_name (dir))) {
    gchar path[64], *comm = NULL;

    if (!g_ascii_isdigit (name[0]))
      continue;
    g_snprintf (path, sizeof (path), "/proc/%s/comm", name);
    if (g_file_get_contents (path, &comm, NULL, NULL) &&
        g_str_has_prefix (comm, "ksoftirqd/")) {
      GPid pid = (GPid)atoi (name);
      g_array_append_val (ksoftirqd, pid);
    }
    g_free (comm);
  }
  g_dir_close (dir);
}

static gint64
ksoftirqd_ns (void)
{
  gint64 sum = 0;

  for (guint i = 0; use_schedstat && i < ksoftirqd->len; i++) {
    gchar path[64];
    gint64 v;

    g_snprintf (path, sizeof (path), "/proc/%d/schedstat",
        (gint)g_array_index (ksoftirqd, GPid, i));
    v = read_schedstat (path);
    if (v > 0)
      sum += v;
  }
  return sum;
}

/* --------------------------------------------------------------- relays */

/* FALSE at end of file or on an error other than EAGAIN */
static gboolean
read_available (gint fd, GString *into)
{
  gchar buf[4096];

  for (;;) {
    ssize_t n = read (fd, buf, sizeof (buf));

    if (n > 0) {
      g_string_append_len (into, buf, n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    return n < 0 && errno == EAGAIN;
  }
}

/* The next complete line of the server's stdout, or NULL. */
static gchar *
server_line (Relay *r)
{
  gchar *nl, *line;

  read_available (r->err_fd, r->err_text);
  nl = memchr (r->out_buf->str, '\n', r->out_buf->len);
  if (!nl) {
    read_available (r->out_fd, r->out_buf);
    nl = memchr (r->out_buf->str, '\n', r->out_buf->len);
    if (!nl)
      return NULL;
  }
  line = g_strndup (r->out_buf->str, nl - r->out_buf->str);
  g_string_erase (r->out_buf, 0, nl - r->out_buf->str + 1);
  return line;
}

static guint64
stats_field (const gchar *line, const gchar *key)
{
  const gchar *p = strstr (line, key);

  return p ? g_ascii_strtoull (p + strlen (key), NULL, 10) : 0;
}

/* Takes a sample when the server printed a stats line, or once a second
 * for the bare relay. */
static gboolean
relay_sample (Relay *r, Sample *s)
{
  gint64 now = bench_now_ns ();

  memset (s, 0, sizeof (*s));
  if (r->bare) {
    if (now < r->next_sample_ns)
      return FALSE;
    r->next_sample_ns += 1000000000;
    s->rx = __atomic_load_n (&r->counters->rx, __ATOMIC_RELAXED);
    s->tx = __atomic_load_n (&r->counters->tx, __ATOMIC_RELAXED);
    s->dropped = __atomic_load_n (&r->counters->dropped, __ATOMIC_RELAXED);
  } else {
    gchar *line;
    gboolean stats = FALSE;

    while (!stats && (line = server_line (r))) {
      if (g_str_has_prefix (line, "stats ")) {
        s->rx = stats_field (line, " rx=");
        s->tx = stats_field (line, " tx=");
        s->dropped = stats_field (line, " dropped=");
        stats = TRUE;
      }
      g_free (line);
    }
    if (!stats)
      return FALSE;
  }
  s->t_ns = now;
  s->cpu_ns = proc_cpu_ns (r->pid);
  s->softirq_ns = ksoftirqd_ns ();
  return TRUE;
}

static void
child_dies_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

gboolean
server_start (Relay *r, const gchar *path)
{
  gchar *argv[] = { (gchar *)path, "--listen", "127.0.0.1:0",
    "--stats-interval", "1", "--max-participants", "100", "--rate", "1000",
    "--ping-timeout", "60",
    /* the benchmark saturates the relay from few senders */
    "--max-media-rate", "10000000", NULL };
  GError *err = NULL;
  gint64 deadline = bench_now_ns () + 10 * (gint64)1000000000;
  gchar *line = NULL;

  memset (r, 0, sizeof (*r));
  r->out_buf = g_string_new (NULL);
  r->err_text = g_string_new (NULL);
  if (!g_spawn_async_with_pipes (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
          child_dies_with_parent, NULL, &r->pid, NULL, &r->out_fd, &r->err_fd,
          &err)) {
    g_printerr ("cannot start %s: %s\n", path, err->message);
    g_error_free (err);
    return FALSE;
  }
  g_unix_set_fd_nonblocking (r->out_fd, TRUE, NULL);
  g_unix_set_fd_nonblocking (r->err_fd, TRUE, NULL);
  while (!line && bench_now_ns () < deadline) {
    struct pollfd pfd = { r->out_fd, POLLIN, 0 };

    poll (&pfd, 1, 100);
    line = server_line (r);
  }
  if (!line || sscanf (line, "listening on ws://127.0.0.1:%u", &r->port) != 1) {
    g_printerr ("%s did not start (%s): %s\n", path, line ? line : "no output",
        r->err_text->str);
    g_free (line);
    return FALSE;
  }
  g_free (line);
  return TRUE;
}

/* SIGTERM, then the exit status; FALSE if it did not exit 0 */
gboolean
relay_stop (Relay *r)
{
  gint status = 0;
  gint64 deadline = bench_now_ns () + 5 * (gint64)1000000000;
  gboolean reaped = FALSE, ok;

  kill (r->pid, SIGTERM);
  while (!reaped && bench_now_ns () < deadline) {
    reaped = waitpid (r->pid, &status, WNOHANG) == r->pid;
    if (!reaped)
      g_usleep (10000);
  }
  if (!reaped) {
    kill (r->pid, SIGKILL);
    waitpid (r->pid, &status, 0);
  }
  /* the server exits 0; the bare relay dies of the signal */
  if (r->bare)
    ok = reaped && WIFSIGNALED (status) && WTERMSIG (status) == SIGTERM;
  else
    ok = reaped && WIFEXITED (status) && WEXITSTATUS (status) == 0;
  if (!r->bare) {
    read_available (r->err_fd, r->err_text);
    close (r->out_fd);
    close (r->err_fd);
    g_string_free (r->out_buf, TRUE);
  } else {
    munmap (r->counters, sizeof (BareCounters));
  }
  g_spawn_close_pid (r->pid);
  return ok;
}

/* ------------------------------------------------- measuring windows */

/* Sends each participant's packets at `rate' packets/s, staggered (the
 * i-th of n starts i/n of a period late); a participant that falls behind
 * by more than 10 ms of packets skips them. */
typedef struct
{
  Sender *senders;
  guint n;
  gint64 t0;
  gdouble rate;
  guint64 done[MAX_N];
} Pacer;

static void
pacer_start (Pacer *p, Sender *senders, guint n, gdouble rate)
{
  p->senders = senders;
  p->n = n;
  p->t0 = bench_now_ns ();
  p->rate = rate;
  memset (p->done, 0, sizeof (p->done));
}

static guint
pacer_step (Pacer *p)
{
  gint64 now = bench_now_ns ();
  guint64 lag = (guint64)(p->rate / 100) + SLOTS;
  guint sent = 0;

  for (guint i = 0; i < p->n; i++) {
    guint64 due =
        (guint64)((now - p->t0) * p->rate / NS + (gdouble)(p->n - i) / p->n);

    if (due > p->done[i] + lag)
      p->done[i] = due - lag;
    while (due > p->done[i]) {
      guint k =
          sender_send (&p->senders[i], (guint)MIN (due - p->done[i], SLOTS));

      if (!k)
        break;
      p->done[i] += k;
      sent += k;
    }
  }
  return sent;
}

/* One step of the load; when nothing was due, a nap, or (iterate) the main
 * context for a millisecond: the participants read what they receive. */
static void
pace_once (Pacer *p, gboolean iterate)
{
  if (pacer_step (p))
    return;
  if (iterate)
    pump (1);
  else
    g_usleep (50);
}

static void
pace_for (Pacer *p, guint ms, gboolean iterate)
{
  gint64 end = bench_now_ns () + (gint64)ms * 1000000;

  while (bench_now_ns () < end)
    pace_once (p, iterate);
}

/* The relay's CPU (in cores) while pacing for ms; *achieved: packets/s per
 * participant actually sent. */
static gdouble
cpu_while_pacing (Relay *r, Pacer *p, guint ms, gdouble *achieved)
{
  gint64 t0 = bench_now_ns (), c0 = proc_cpu_ns (r->pid), t1, c1;
  guint64 sent0 = 0, sent1 = 0;

  for (guint i = 0; i < p->n; i++)
    sent0 += p->senders[i].sent;
  pace_for (p, ms, FALSE);
  t1 = bench_now_ns ();
  c1 = proc_cpu_ns (r->pid);
  for (guint i = 0; i < p->n; i++)
    sent1 += p->senders[i].sent;
  if (achieved)
    *achieved = (sent1 - sent0) * NS / (t1 - t0) / p->n;
  return (gdouble)(c1 - c0) / (t1 - t0);
}

/* Packets/s per participant at which the relay would use one core, from a
 * ramp that stops at the first rate where it uses 60 % of one (or at the
 * step before it jumped to 90 %, or where the participants cannot send
 * faster).  An underestimate when the relay's cost per packet falls with
 * the load (fewer wake-ups per packet). */
static gdouble
calibrate (Relay *r, Sender *senders, guint n)
{
  gdouble rate = 2000.0 / n, est = 0; /* 2000 packets/s in all */

  for (guint step = 0; step < 40; step++) {
    Pacer p;
    gdouble u, achieved;

    pacer_start (&p, senders, n, rate);
    pace_for (&p, 20, FALSE);
    u = cpu_while_pacing (r, &p, 100, &achieved);
    if (u >= 0.9) {
      if (est == 0)
        est = achieved / u;
      break;
    }
    est = achieved / MAX (u, 0.001);
    if (u >= 0.6 || achieved < 0.8 * rate)
      break;
    rate *= u < 0.15 ? 3 : u < 0.4 ? 1.5 : 1.25;
  }
  /* a pause: the relay's sockets empty */
  g_usleep (20000);
  return est;
}

typedef struct
{
  gdouble offered; /* packets/s the participants sent */
  gdouble rx, tx; /* packets/s the relay received, sent */
  gdouble cpu; /* relay CPU, cores */
  gdouble per_cpu_s; /* forwarded packets per CPU-second */
  gdouble softirq; /* ksoftirqd, cores */
  guint64 dropped;
  gboolean
      saturated; /* the kernel dropped input: the relay could not keep up */
} Result;

/* One window of `seconds' samples, each participant sending `rate'
 * packets/s.  saturate: first raise the rate (at most twice, by 25 %, not
 * above cap) until the relay uses 95 % of a core; the participants do not
 * read.  Otherwise the
 * main context runs while the load does not need the time, so the
 * participants read what they receive. */
static gboolean
measure (Relay *r, Sender *senders, guint n, gdouble rate, gdouble cap,
    gboolean saturate, guint seconds, Result *res)
{
  gint64 t0, deadline;
  Sample s, first = { 0 }, last = { 0 };
  guint have = 0;
  gchar *line;
  gdouble dt, cpu_s;
  Pacer p;

  pacer_start (&p, senders, n, rate);
  if (saturate) {
    for (guint up = 0;; up++) {
      pace_for (&p, 100, FALSE);
      if (up == 2 || p.rate >= cap ||
          cpu_while_pacing (r, &p, 200, NULL) >= 0.95)
        break;
      p.rate = MIN (p.rate * 1.25, cap);
      p.t0 = bench_now_ns ();
      memset (p.done, 0, sizeof (p.done));
    }
  } else {
    pace_for (&p, 300, TRUE);
  }
  if (!r->bare) /* forget the stats printed before */
    while ((line = server_line (r)))
      g_free (line);
  t0 = bench_now_ns ();
  deadline = t0 + (gint64)(seconds + 5) * 1000000000;
  r->next_sample_ns = t0;
  for (;;) {
    pace_once (&p, !saturate);
    if (relay_sample (r, &s)) {
      for (guint i = 0; i < n; i++)
        s.offered += senders[i].sent;
      if (have == 0) {
        first = s;
        have = 1;
      } else if (++have > seconds) {
        last = s;
        break;
      }
    }
    if (bench_now_ns () > deadline) {
      g_printerr ("%s: %s load, %.0f packets/s per participant: %u of %u "
                  "counter samples in %u s (relay CPU %.1f s)\n",
          r->bare ? "bare relay" : "server", saturate ? "saturating" : "paced",
          p.rate, have, seconds + 1, seconds + 5, proc_cpu_ns (r->pid) / NS);
      return FALSE;
    }
  }
  dt = (last.t_ns - first.t_ns) / NS;
  cpu_s = (last.cpu_ns - first.cpu_ns) / NS;
  res->offered = (last.offered - first.offered) / dt;
  res->rx = (last.rx - first.rx) / dt;
  res->tx = (last.tx - first.tx) / dt;
  res->cpu = cpu_s / dt;
  res->per_cpu_s = cpu_s > 0 ? (last.tx - first.tx) / cpu_s : 0;
  res->softirq = (last.softirq_ns - first.softirq_ns) / NS / dt;
  res->dropped = last.dropped - first.dropped;
  res->saturated = res->rx < 0.99 * res->offered;
  if (saturate)
    g_usleep (20000); /* the relay's sockets empty */
  return TRUE;
}

/* A saturating window (rate, cap: packets/s per participant): when the
 * relay kept up with the load, again at a higher rate, twice at most; and
 * once again when its counters did not come. */
static gboolean
measure_saturated (Relay *r, Sender *senders, guint n, gdouble rate,
    gdouble cap, guint seconds, Result *res, guint *retries)
{
  gboolean retried = FALSE;

  for (guint k = 0;; k++) {
    if (!measure (r, senders, n, rate, cap, TRUE, seconds, res)) {
      if (retried)
        return FALSE;
      retried = TRUE;
      (*retries)++;
      continue;
    }
    if (res->saturated || k >= 2 || rate >= cap)
      return TRUE;
    (*retries)++;
    rate = MIN (rate * 1.5, cap);
  }
}

/* ----------------------------------------------------------------- main */

typedef struct
{
  guint n;
  gboolean ok;
  Result server, bare, paced; /* medians */
  gdouble server_min, server_max, bare_min, bare_max;
  guint64 server_dropped, paced_dropped, bare_dropped;
  gdouble softirq; /* the largest median ksoftirqd share of the windows */
  guint64 sampled, sampled_bad; /* receivers' buffers after the windows */
  guint sampled_empty;
  guint retries; /* saturating windows measured again */
  guint server_unsat, bare_unsat; /* ... and still not saturated */
} Row;

/* Medians of the repetitions, field by field. */
static void
median_result (Result *v, guint reps, Result *out, gdouble *min, gdouble *max)
{
  gdouble *x = g_new (gdouble, reps);

#define MEDIAN_OF(field)                                                       \
  G_STMT_START                                                                 \
  {                                                                            \
    for (guint i_ = 0; i_ < reps; i_++)                                        \
      x[i_] = v[i_].field;                                                     \
    out->field = bench_median (x, reps);                                       \
  }                                                                            \
  G_STMT_END

  MEDIAN_OF (offered);
  MEDIAN_OF (rx);
  MEDIAN_OF (tx);
  MEDIAN_OF (cpu);
  MEDIAN_OF (softirq);
  MEDIAN_OF (per_cpu_s);
#undef MEDIAN_OF
  out->dropped = 0;
  for (guint i = 0; i < reps; i++) {
    x[i] = v[i].per_cpu_s;
    out->dropped += v[i].dropped;
  }
  if (min)
    *min = bench_min (x, reps);
  if (max)
    *max = bench_max (x, reps);
  g_free (x);
}

static gboolean
run_n (Row *row, guint n, guint reps, guint seconds, guint pps, guint payload,
    const gchar *server_path)
{
  Meeting *m = g_new0 (Meeting, 1);
  BareSet *b = g_new0 (BareSet, 1);
  Result *sv = g_new0 (Result, reps), *bv = g_new0 (Result, reps);
  Result *pv = g_new0 (Result, reps);
  gboolean ok = FALSE;
  guint64 bad;
  guint empty;
  gdouble srate, brate, scap, bcap;

  row->n = n;
  if (!meeting_start (m, n, payload, server_path) || !meeting_check (m))
    goto out;
  if (!bare_set_start (b, n, payload))
    goto out;
  printf ("# N=%u: delivery check passed on both relays (%u x %u packets "
          "per participant, all intact)\n",
      n, n - 1, CHECK_ROUNDS);
  fflush (stdout);
  /* over capacity: the relay always has packets waiting */
  srate = calibrate (&m->server, m->senders, n);
  brate = calibrate (&b->relay, b->senders, n);
  /* twice what a core could do, but a socket never gets more than 70 % of
   * it: libnice reads a socket until it is empty */
  scap = 0.7 * n * srate;
  bcap = 0.7 * n * brate;
  srate = MIN (2 * srate, scap);
  brate = MIN (2 * brate, bcap);
  pump (50);
  bare_drain (b);
  for (guint rep = 0; rep < reps; rep++) {
    if (!measure_saturated (&m->server, m->senders, n, srate, scap, seconds,
            &sv[rep], &row->retries))
      goto out;
    row->server_unsat += !sv[rep].saturated;
    /* what the participants' sockets hold now: forwarded, intact? */
    meeting_reset_rx (m);
    pump (100);
    row->sampled += meeting_rx (m, &bad, &empty);
    row->sampled_bad += bad;
    row->sampled_empty += empty;

    if (!measure_saturated (&b->relay, b->senders, n, brate, bcap, seconds,
            &bv[rep], &row->retries))
      goto out;
    row->bare_unsat += !bv[rep].saturated;
    bare_reset_rx (b);
    g_usleep (20000);
    bare_drain (b);
    row->sampled += bare_rx (b, &bad, &empty);
    row->sampled_bad += bad;
    row->sampled_empty += empty;
    pump (20);

    if (pps) {
      meeting_reset_rx (m);
      if (!measure (
              &m->server, m->senders, n, pps, pps, FALSE, seconds, &pv[rep]))
        goto out;
      pump (50);
      row->sampled += meeting_rx (m, &bad, &empty);
      row->sampled_bad += bad;
      row->sampled_empty += empty;
    }
  }
  median_result (sv, reps, &row->server, &row->server_min, &row->server_max);
  median_result (bv, reps, &row->bare, &row->bare_min, &row->bare_max);
  row->server_dropped = row->server.dropped;
  row->bare_dropped = row->bare.dropped;
  row->softirq = MAX (row->server.softirq, row->bare.softirq);
  if (pps) {
    median_result (pv, reps, &row->paced, NULL, NULL);
    row->paced_dropped = row->paced.dropped;
  }
  ok = TRUE;
out:
  if (!bare_set_stop (b))
    ok = FALSE;
  if (!meeting_stop (m))
    ok = FALSE;
  if (m->errors) {
    g_printerr ("N=%u: %u error messages from the server\n", n, m->errors);
    ok = FALSE;
  }
  if (m->server.err_text) {
    gchar **lines = g_strsplit (m->server.err_text->str, "\n", -1);

    for (gchar **l = lines; *l; l++)
      if (**l && !g_str_equal (*l, "shutting down"))
        printf ("# N=%u: server stderr: %s\n", n, *l);
    g_strfreev (lines);
    g_string_free (m->server.err_text, TRUE);
  }
  row->ok = ok;
  g_free (sv);
  g_free (bv);
  g_free (pv);
  g_free (m);
  g_free (b);
  return ok;
}

static const gchar *
yes_no (gboolean v)
{
  return v ? "yes" : "NO";
}

int
main (int argc, char **argv)
{
  guint reps = bench_env_uint ("BENCH_REPS", 3);
  guint seconds = bench_env_uint ("BENCH_SECONDS", 3);
  guint payload = bench_env_uint ("BENCH_PAYLOAD", 200);
  const gchar *pps_env = g_getenv ("BENCH_PPS");
  guint pps = 50;
  const gchar *list = g_getenv ("BENCH_PARTICIPANTS");
  const gchar *server = g_getenv ("BENCH_SERVER");
  gchar **ns;
  GArray *rows = g_array_new (FALSE, TRUE, sizeof (Row));
  gboolean all_ok = TRUE;

  if (pps_env && *pps_env)
    pps = (guint)g_ascii_strtoull (pps_env, NULL, 10); /* 0: no paced table */
  if (!server || !*server)
    server = MEETING_SERVER;
  if (!g_file_test (server, G_FILE_TEST_IS_EXECUTABLE)) {
    g_printerr ("%s is missing (build it, or set BENCH_SERVER)\n", server);
    return 2;
  }
  if (payload < 1 || payload > PKT_MAX - HDR_LEN) {
    g_printerr ("BENCH_PAYLOAD: 1 to %u bytes\n", PKT_MAX - HDR_LEN);
    return 2;
  }
  signal (SIGPIPE, SIG_IGN);
  use_schedstat = g_file_test ("/proc/self/schedstat", G_FILE_TEST_EXISTS);
  clk_tck = sysconf (_SC_CLK_TCK) > 0 ? sysconf (_SC_CLK_TCK) : 100;
  find_ksoftirqd ();
  ns = g_strsplit (list && *list ? list : "3,10,25", ",", -1);

  printf ("== relay forwarding: %u-byte RTP packets (12 + %u), one stream per "
          "participant, each packet to the N-1 others; %u s windows, median "
          "of %u; relay CPU from %s\n",
      HDR_LEN + payload, payload, seconds, reps,
      use_schedstat ? "/proc/PID/task/*/schedstat"
                    : "/proc/PID/stat utime+stime");
  fflush (stdout);
  for (gchar **s = ns; *s; s++) {
    guint n = (guint)g_ascii_strtoull (*s, NULL, 10);
    Row row = { 0 };

    if (n < 2 || n > MAX_N) {
      g_printerr ("BENCH_PARTICIPANTS: 2 to %u each, not %s\n", MAX_N, *s);
      return 2;
    }
    if (!run_n (&row, n, reps, seconds, pps, payload, server))
      all_ok = FALSE;
    g_array_append_val (rows, row);
  }
  g_strfreev (ns);

  printf ("\nSaturating load (paced above what the relay can take); "
          "packets/s, CPU in %% of one core:\n");
  printf ("%3s %10s %10s %10s %5s %18s %9s %9s %5s %18s %6s %6s\n", "N",
      "offered in", "server in", "server fwd", "CPU", "server fwd/CPU-s",
      "bare in", "bare fwd", "CPU", "bare fwd/CPU-s", "ratio", "CPU%/N");
  for (guint i = 0; i < rows->len; i++) {
    Row *r = &g_array_index (rows, Row, i);
    gchar srange[32], brange[32];

    if (!r->ok) {
      printf ("%3u (failed, see above)\n", r->n);
      continue;
    }
    g_snprintf (srange, sizeof (srange), "(%.0fk..%.0fk)", r->server_min / 1000,
        r->server_max / 1000);
    g_snprintf (brange, sizeof (brange), "(%.0fk..%.0fk)", r->bare_min / 1000,
        r->bare_max / 1000);
    printf ("%3u %10.0f %10.0f %10.0f %5.1f %7.0f %10s %9.0f %9.0f %5.1f "
            "%7.0f %10s %5.0f%% %6.2f\n",
        r->n, r->server.offered, r->server.rx, r->server.tx,
        100 * r->server.cpu, r->server.per_cpu_s, srange, r->bare.rx,
        r->bare.tx, 100 * r->bare.cpu, r->bare.per_cpu_s, brange,
        r->bare.per_cpu_s > 0 ? 100 * r->server.per_cpu_s / r->bare.per_cpu_s
                              : 0,
        100 * r->server.cpu / r->n);
  }
  if (pps) {
    printf ("\nPaced load: %u packets/s per participant (server only; the "
            "participants read what they receive):\n",
        pps);
    printf ("%3s %11s %10s %10s %7s %7s %14s\n", "N", "offered in",
        "server fwd", "expected", "CPU%", "CPU%/N", "CPU us/fwd pkt");
    for (guint i = 0; i < rows->len; i++) {
      Row *r = &g_array_index (rows, Row, i);

      if (!r->ok)
        continue;
      printf ("%3u %11.0f %10.0f %10.0f %7.2f %7.3f %14.2f\n", r->n,
          r->paced.offered, r->paced.tx, r->paced.offered * (r->n - 1),
          100 * r->paced.cpu, 100 * r->paced.cpu / r->n,
          r->paced.tx > 0 ? 1e6 * r->paced.cpu / r->paced.tx : 0);
    }
  }

  printf ("\nTargets (saturating load):\n");
  for (guint i = 0; i < rows->len; i++) {
    Row *r = &g_array_index (rows, Row, i);

    if (!r->ok)
      continue;
    printf ("  N=%-3u >= 150000 forwarded packets per CPU-second: %-3s (%.0f)"
            "   >= 50%% of the bare relay: %-3s (%.0f%%)\n",
        r->n, yes_no (r->server.per_cpu_s >= 150000), r->server.per_cpu_s,
        yes_no (r->server.per_cpu_s >= 0.5 * r->bare.per_cpu_s),
        r->bare.per_cpu_s > 0 ? 100 * r->server.per_cpu_s / r->bare.per_cpu_s
                              : 0);
  }
  printf ("\nChecks:\n");
  for (guint i = 0; i < rows->len; i++) {
    Row *r = &g_array_index (rows, Row, i);

    if (!r->ok)
      continue;
    printf (
        "  N=%-3u %" G_GUINT64_FORMAT
        " forwarded packets checked at the receivers, %" G_GUINT64_FORMAT
        " bad, %u times a receiver had none; server dropped %" G_GUINT64_FORMAT
        " (saturating) + %" G_GUINT64_FORMAT
        " (paced), bare relay %" G_GUINT64_FORMAT
        "; ksoftirqd %.1f%% of a core\n",
        r->n, r->sampled, r->sampled_bad, r->sampled_empty, r->server_dropped,
        r->paced_dropped, r->bare_dropped, 100 * r->softirq);
    printf ("        saturating windows measured again: %u; where the relay "
            "still kept up with the load (not saturated): server %u, bare %u\n",
        r->retries, r->server_unsat, r->bare_unsat);
  }
  g_array_unref (rows);
  return all_ok ? 0 : 1;
}
