/* The gst-e2ee/1 key-exchange state machine (docs/protocol.md, part 1).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "e2eekx.h"

#include <string.h>

#include <sodium.h>

#include "sframe.h"

GST_DEBUG_CATEGORY_STATIC (kx_debug);
#define GST_CAT_DEFAULT kx_debug

typedef struct
{
  gchar *id;
  guint8 ik[GST_E2EE_KEY_LEN];
  guint8 dh[GST_E2EE_KEY_LEN];
  gchar *name;
  guint8 nonce[2]
              [GST_E2EE_NONCE_LEN]; /* newest first, as the leader saw them */
  guint n_nonces;
  guint64 acked_epoch;
  guint seq; /* channel order of its ANNOUNCE */
  guint64 ack_counter; /* of its newest ACK: older ones are replays */
  gboolean announced;
  gboolean gone;
  gboolean left; /* its LEAVE, or the channel said so: gone for good */
} Peer;

#define HB_RING 8

/* A heartbeat of the current leader, kept to spot conflicting ones. */
typedef struct
{
  guint64 counter, time;
  guint8 hash[GST_E2EE_HASH_LEN];
  guint8 prev[GST_E2EE_HASH_LEN];
} HbSeen;

typedef struct
{
  guint64 epoch;
  GArray *kids; /* guint64 KIDs installed for it */
} Epoch;

struct _GstE2eeKx
{
  GstE2eeKxConfig cfg;
  gchar *meeting_id, *self_id, *self_name;
  GBytes *instance;
  const GstE2eeIdentity *identity;
  GstE2eeKeyring *keyring;
  GstE2eeKxCallbacks cb;
  gpointer user_data;

  GstE2eeDhKey *dh;
  guint8 my_nonce[2][GST_E2EE_NONCE_LEN];
  gboolean started, left;
  gint64 start_ms;
  gint64 last_ack_ms;
  gint64 now_ms; /* of the current call */

  GHashTable *peers; /* id -> Peer */
  GHashTable *gone_ids; /* ids the channel said are gone (set) */
  guint next_seq;
  guint64 my_ack_counter;

  /* the accepted roster */
  GstE2eeMsg *roster;
  guint8 roster_hash[GST_E2EE_HASH_LEN];
  gchar *leader_id;
  gint my_index; /* -1 when not in the roster */
  gint64 leader_since_ms;
  guint64 member_from_epoch; /* epochs below it were made without us */
  gint64 excluded_since_ms;
  gboolean excluded_told;
  gchar *code_leader; /* the leader that certified send_epoch */

  /* epochs held */
  GArray *epochs; /* Epoch, ascending */
  guint64 epoch, send_epoch;
  guint64 epoch_seen; /* highest epoch of a leader-signed KEYS */
  guint64 hb_epoch_seen; /* highest epoch named by a valid heartbeat */
  guint64 missing_epoch;

  /* following a leader */
  gboolean have_hb;
  guint64 hb_counter, hb_time;
  HbSeen hb_seen[HB_RING];
  guint n_hb_seen;
  gint64 last_hb_ms;

  /* leading */
  gboolean leading;
  guint next_index;
  guint64 my_hb_counter;
  guint8 my_hb_hash[GST_E2EE_HASH_LEN];
  gint64 next_hb_ms, rekey_due_ms, periodic_ms, keys_sent_ms;
  guint64 pending_epoch;
  gboolean membership_changed;
};

static void
peer_free (Peer *p)
{
  g_free (p->id);
  g_free (p->name);
  g_free (p);
}

static void
emit (GstE2eeKx *kx, GstStructure *s)
{
  GST_DEBUG ("[%s] %" GST_PTR_FORMAT, kx->self_id, s);
  if (kx->cb.event)
    kx->cb.event (kx, s, kx->user_data);
  else
    gst_structure_free (s);
}

/* An error in a message whose signature verified under author's key: it
 * names the author. */
static void
protocol_error (GstE2eeKx *kx, const gchar *author, const gchar *what)
{
  GST_INFO ("[%s] protocol error by %s: %s", kx->self_id, author, what);
  emit (kx,
      gst_structure_new ("keyexchange-error", "participant-id", G_TYPE_STRING,
          author, "sender-verified", G_TYPE_BOOLEAN, TRUE, "reason",
          G_TYPE_STRING, what, NULL));
}

/* An error in a message whose author is not proven: the sender it claims
 * (NULL when not even that could be read) is only a claim, and nobody is
 * blamed. */
static void
unverified_error (GstE2eeKx *kx, const gchar *claimed, const gchar *what)
{
  GstStructure *s;

  GST_INFO ("[%s] protocol error, sender claim %s unverified: %s", kx->self_id,
      GST_STR_NULL (claimed), what);
  s = gst_structure_new ("keyexchange-error", "sender-verified", G_TYPE_BOOLEAN,
      FALSE, "reason", G_TYPE_STRING, what, NULL);
  if (claimed)
    gst_structure_set (
        s, "claimed-participant-id", G_TYPE_STRING, claimed, NULL);
  emit (kx, s);
}

GstE2eeKx *
gst_e2ee_kx_new (const GstE2eeKxConfig *config, const GstE2eeIdentity *identity,
    GstE2eeKeyring *keyring, const GstE2eeKxCallbacks *callbacks,
    gpointer user_data)
{
  static gsize once = 0;
  GstE2eeKx *kx;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (kx_debug, "e2eekx", 0, "E2EE key exchange");
    g_once_init_leave (&once, 1);
  }
  if (!gst_e2ee_sframe_init ())
    return NULL;
  kx = g_new0 (GstE2eeKx, 1);
  kx->cfg = *config;
#define DEF(f, v)                                                              \
  if (!kx->cfg.f)                                                              \
  kx->cfg.f = v
  DEF (heartbeat_ms, 1000);
  DEF (heartbeat_timeout_ms, 10 * kx->cfg.heartbeat_ms);
  DEF (ack_timeout_ms, 2000);
  DEF (join_batch_ms, 200);
  DEF (leave_debounce_ms, 200);
  DEF (grace_ms, 5000);
  DEF (start_wait_ms, 2 * kx->cfg.heartbeat_ms);
  DEF (liveness_ms, 60000);
#undef DEF
  kx->meeting_id = g_strdup (config->meeting_id);
  kx->self_id = g_strdup (config->participant_id);
  kx->self_name = g_strdup (config->display_name ? config->display_name : "");
  kx->instance = g_bytes_ref (config->instance);
  kx->cfg.meeting_id = kx->meeting_id;
  kx->cfg.participant_id = kx->self_id;
  kx->cfg.display_name = kx->self_name;
  kx->cfg.instance = kx->instance;
  kx->identity = identity;
  kx->keyring = gst_object_ref (keyring);
  if (callbacks)
    kx->cb = *callbacks;
  kx->user_data = user_data;
  kx->dh = gst_e2ee_dh_key_new ();
  kx->peers = g_hash_table_new_full (
      g_str_hash, g_str_equal, NULL, (GDestroyNotify)peer_free);
  kx->gone_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  kx->epochs = g_array_new (FALSE, TRUE, sizeof (Epoch));
  kx->my_index = -1;
  return kx;
}

void
gst_e2ee_kx_free (GstE2eeKx *kx)
{
  if (!kx)
    return;
  for (guint i = 0; i < kx->epochs->len; i++)
    g_array_unref (g_array_index (kx->epochs, Epoch, i).kids);
  g_array_unref (kx->epochs);
  g_hash_table_unref (kx->peers);
  g_hash_table_unref (kx->gone_ids);
  gst_e2ee_msg_free (kx->roster);
  gst_e2ee_dh_key_free (kx->dh);
  gst_object_unref (kx->keyring);
  g_bytes_unref (kx->instance);
  g_free (kx->meeting_id);
  g_free (kx->self_id);
  g_free (kx->self_name);
  g_free (kx->leader_id);
  g_free (kx->code_leader);
  g_free (kx);
}

/* ------------------------------------------------------------- sending */

static void
send_msg (GstE2eeKx *kx, GstE2eeMsg *m)
{
  GError *err = NULL;
  GBytes *b = gst_e2ee_msg_encode (m, kx->identity, &err);

  if (!b) {
    GST_ERROR ("[%s] cannot encode %s: %s", kx->self_id,
        gst_e2ee_msg_type_name (m->type), err->message);
    g_error_free (err);
    return;
  }
  if (kx->cb.send)
    kx->cb.send (kx, b, kx->user_data);
  g_bytes_unref (b);
}

static GstE2eeMsg *
new_msg (GstE2eeKx *kx, GstE2eeMsgType type)
{
  return gst_e2ee_msg_new (type, kx->meeting_id, kx->instance, kx->self_id);
}

static void
fresh_nonce (GstE2eeKx *kx)
{
  memcpy (kx->my_nonce[1], kx->my_nonce[0], GST_E2EE_NONCE_LEN);
  randombytes_buf (kx->my_nonce[0], GST_E2EE_NONCE_LEN);
}

static void
send_ack (GstE2eeKx *kx)
{
  GstE2eeMsg *m = new_msg (kx, GST_E2EE_MSG_ACK);

  fresh_nonce (kx);
  memcpy (m->nonce, kx->my_nonce[0], GST_E2EE_NONCE_LEN);
  m->acked_epoch = kx->epoch;
  m->counter = ++kx->my_ack_counter;
  kx->last_ack_ms = kx->now_ms;
  send_msg (kx, m);
  gst_e2ee_msg_free (m);
}

/* --------------------------------------------------------------- keys */

static Epoch *
find_epoch (GstE2eeKx *kx, guint64 e)
{
  for (guint i = 0; i < kx->epochs->len; i++)
    if (g_array_index (kx->epochs, Epoch, i).epoch == e)
      return &g_array_index (kx->epochs, Epoch, i);
  return NULL;
}

/* Puts the media keys of epoch e for every roster entry in the keyring. */
static void
install_epoch (GstE2eeKx *kx, guint64 e, const guint8 mk[GST_E2EE_KEY_LEN])
{
  Epoch ep = { e, g_array_new (FALSE, FALSE, sizeof (guint64)) };

  for (guint i = 0; i < kx->roster->entries->len; i++) {
    GstE2eeRosterEntry *en = g_ptr_array_index (kx->roster->entries, i);
    guint8 base[32];
    guint64 kid = gst_e2ee_media_kid (e, en->index);
    gboolean mine = g_strcmp0 (en->participant_id, kx->self_id) == 0;
    GError *err = NULL;

    if (!gst_e2ee_media_key (mk, kx->instance, e, en->index, base))
      continue;
    if (gst_e2ee_keyring_add_key (kx->keyring, kid, base, sizeof (base),
            mine ? GST_E2EE_KEY_SEND : GST_E2EE_KEY_RECEIVE, en->participant_id,
            &err))
      g_array_append_val (ep.kids, kid);
    else
      g_clear_error (&err);
    sodium_memzero (base, sizeof (base));
  }
  g_array_append_val (kx->epochs, ep);
  if (e > kx->epoch)
    kx->epoch = e;
}

static void announce_leader (GstE2eeKx *kx);

/* Sends with epoch e from now on; older epochs decrypt for the grace
 * period, then the keyring wipes them. The security code shown is the one
 * of the leader that certified the epoch: it changes only together with
 * the epoch (a leader that never keyed us in shows no code). */
static void
switch_send (GstE2eeKx *kx, guint64 e, gint64 now_ms)
{
  GError *err = NULL;

  if (e <= kx->send_epoch || !find_epoch (kx, e) || kx->my_index < 0)
    return;
  if (!gst_e2ee_keyring_set_send_kid (
          kx->keyring, gst_e2ee_media_kid (e, (guint16)kx->my_index), &err)) {
    GST_WARNING ("[%s] %s", kx->self_id, err->message);
    g_clear_error (&err);
    return;
  }
  kx->send_epoch = e;
  for (guint i = 0; i < kx->epochs->len;) {
    Epoch *ep = &g_array_index (kx->epochs, Epoch, i);
    if (ep->epoch < e) {
      for (guint k = 0; k < ep->kids->len; k++)
        gst_e2ee_keyring_retire_key (kx->keyring,
            g_array_index (ep->kids, guint64, k),
            (GstClockTime)kx->cfg.grace_ms * GST_MSECOND);
      g_array_unref (ep->kids);
      g_array_remove_index (kx->epochs, i);
    } else {
      i++;
    }
  }
  if (g_strcmp0 (kx->code_leader, kx->leader_id) != 0) {
    g_free (kx->code_leader);
    kx->code_leader = g_strdup (kx->leader_id);
    announce_leader (kx);
  }
  emit (kx,
      gst_structure_new ("keyexchange-epoch", "epoch", G_TYPE_UINT64, e,
          "leader", G_TYPE_STRING, kx->leader_id, NULL));
}

static void
wipe_all (GstE2eeKx *kx)
{
  for (guint i = 0; i < kx->epochs->len; i++)
    g_array_unref (g_array_index (kx->epochs, Epoch, i).kids);
  g_array_set_size (kx->epochs, 0);
  gst_e2ee_keyring_clear (kx->keyring);
}

/* -------------------------------------------------------------- roster */

static Peer *
peer_for_entry (GstE2eeKx *kx, const GstE2eeRosterEntry *e)
{
  Peer *p = g_hash_table_lookup (kx->peers, e->participant_id);

  if (!p) {
    p = g_new0 (Peer, 1);
    p->id = g_strdup (e->participant_id);
    memcpy (p->ik, e->identity_key, GST_E2EE_KEY_LEN);
    memcpy (p->dh, e->dh_key, GST_E2EE_KEY_LEN);
    p->name = g_strdup (e->display_name);
    p->seq = G_MAXUINT;
    p->left = p->gone = g_hash_table_contains (kx->gone_ids, p->id);
    g_hash_table_insert (kx->peers, p->id, p);
  }
  return p;
}

static const GstE2eeRosterEntry *
roster_entry (GstE2eeMsg *roster, const gchar *id)
{
  if (!roster || !roster->entries)
    return NULL;
  for (guint i = 0; i < roster->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (roster->entries, i);
    if (g_strcmp0 (e->participant_id, id) == 0)
      return e;
  }
  return NULL;
}

static void
announce_leader (GstE2eeKx *kx)
{
  Peer *l = g_hash_table_lookup (kx->peers, kx->code_leader);
  gchar *code;

  if (!l)
    return;
  code = gst_e2ee_security_code (kx->meeting_id, kx->instance, l->ik);
  emit (kx,
      gst_structure_new ("keyexchange-leader", "leader", G_TYPE_STRING,
          kx->code_leader, "security-code", G_TYPE_STRING, code, NULL));
  g_free (code);
}

/* Makes roster (owned) the accepted one, reporting who joined and left. */
static void
accept_roster (GstE2eeKx *kx, GstE2eeMsg *roster, const guint8 *data, gsize len,
    gint64 now_ms)
{
  GstE2eeMsg *old = kx->roster;
  const GstE2eeRosterEntry *first = g_ptr_array_index (roster->entries, 0);
  gboolean new_leader = g_strcmp0 (kx->leader_id, first->participant_id) != 0;
  const GstE2eeRosterEntry *me;

  for (guint i = 0; i < roster->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (roster->entries, i);
    Peer *p = peer_for_entry (kx, e);
    if (!roster_entry (old, e->participant_id)) {
      gchar *fp = gst_e2ee_fingerprint (p->ik);
      emit (kx,
          gst_structure_new ("keyexchange-joined", "participant-id",
              G_TYPE_STRING, e->participant_id, "display-name", G_TYPE_STRING,
              e->display_name, "fingerprint", G_TYPE_STRING, fp, NULL));
      g_free (fp);
    }
  }
  if (old) {
    for (guint i = 0; i < old->entries->len; i++) {
      GstE2eeRosterEntry *e = g_ptr_array_index (old->entries, i);
      if (!roster_entry (roster, e->participant_id)) {
        gchar *fp = gst_e2ee_fingerprint (e->identity_key);
        emit (kx,
            gst_structure_new ("keyexchange-left", "participant-id",
                G_TYPE_STRING, e->participant_id, "fingerprint", G_TYPE_STRING,
                fp, NULL));
        g_free (fp);
      }
    }
  }
  kx->roster = roster;
  gst_e2ee_msg_hash (data, len, kx->roster_hash);
  me = roster_entry (roster, kx->self_id);
  if (old && roster_entry (old, kx->self_id) && !me) {
    emit (kx,
        gst_structure_new ("keyexchange-removed", "leader", G_TYPE_STRING,
            first->participant_id, NULL));
    kx->excluded_told = TRUE; /* told, as removed */
    kx->excluded_since_ms = now_ms;
  }
  if (me && kx->my_index < 0) {
    /* every epoch distributed so far was made without us: a heartbeat
     * naming one of them is no missing key of ours */
    kx->member_from_epoch = MAX (kx->epoch_seen, kx->hb_epoch_seen) + 1;
    kx->excluded_told = FALSE;
  }
  kx->my_index = me ? me->index : -1;
  gst_e2ee_msg_free (old);
  if (new_leader) {
    g_free (kx->leader_id);
    kx->leader_id = g_strdup (first->participant_id);
    kx->leader_since_ms = now_ms;
    kx->have_hb = FALSE;
    kx->n_hb_seen = 0;
    kx->last_hb_ms = now_ms;
  }
}

/* The present participant that should lead now: the lowest roster index
 * not known to be gone (docs/protocol.md 1.9). */
static const gchar *
designated_leader_without (GstE2eeKx *kx, const gchar *exclude)
{
  Peer *first = NULL;
  GHashTableIter it;
  gpointer v;

  if (!kx->roster)
    return NULL;
  for (guint i = 0; i < kx->roster->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (kx->roster->entries, i);
    Peer *p = g_hash_table_lookup (kx->peers, e->participant_id);
    if (p && !p->gone && g_strcmp0 (e->participant_id, exclude) != 0)
      return e->participant_id;
  }
  /* Nobody of the roster is left (e.g. everybody came back under new ids
   * after a network loss while the instance lived on): as at meeting start,
   * the first announcer on the channel among those present leads
   * (docs/protocol.md 1.9). */
  g_hash_table_iter_init (&it, kx->peers);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Peer *p = v;
    if (p->announced && !p->gone && g_strcmp0 (p->id, exclude) != 0 &&
        (!first || p->seq < first->seq))
      first = p;
  }
  return first ? first->id : NULL;
}

static const gchar *
designated_leader (GstE2eeKx *kx)
{
  return designated_leader_without (kx, NULL);
}

/* Whether author may take over from leader by the successor rule, as far as
 * we know: what we know of the author's own presence does not count (a
 * roster it signed while it was there stays valid; if it is gone now, the
 * rule applies again at once). */
static gboolean
may_succeed (GstE2eeKx *kx, const gchar *author, const gchar *leader)
{
  Peer *first = NULL;
  GHashTableIter it;
  gpointer v;

  if (!kx->roster || g_strcmp0 (author, leader) == 0)
    return FALSE;
  for (guint i = 0; i < kx->roster->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (kx->roster->entries, i);
    Peer *p = g_hash_table_lookup (kx->peers, e->participant_id);
    if (g_strcmp0 (e->participant_id, leader) == 0)
      continue;
    if (g_strcmp0 (e->participant_id, author) == 0)
      return TRUE;
    if (p && !p->gone)
      return FALSE; /* someone present comes first */
  }
  /* nobody of the roster is left: the first announcer among those present
   * (1.9) */
  g_hash_table_iter_init (&it, kx->peers);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Peer *p = v;
    if (p->announced && (!p->gone || g_strcmp0 (p->id, author) == 0) &&
        g_strcmp0 (p->id, leader) != 0 && (!first || p->seq < first->seq))
      first = p;
  }
  return first && g_strcmp0 (first->id, author) == 0;
}

/* ------------------------------------------------------------- leading */

static void
send_heartbeat (GstE2eeKx *kx, gint64 now_ms)
{
  GstE2eeMsg *m = new_msg (kx, GST_E2EE_MSG_HEARTBEAT);
  GError *err = NULL;
  GBytes *b;

  m->counter = ++kx->my_hb_counter;
  m->roster_version = kx->roster->version;
  memcpy (m->roster_hash, kx->roster_hash, GST_E2EE_HASH_LEN);
  m->epoch = kx->epoch;
  m->send_epoch = kx->send_epoch;
  memcpy (m->prev_hash, kx->my_hb_hash, GST_E2EE_HASH_LEN);
  m->leader_time_ms = (guint64)now_ms;
  b = gst_e2ee_msg_encode (m, kx->identity, &err);
  gst_e2ee_msg_free (m);
  if (!b) {
    g_error_free (err);
    return;
  }
  gst_e2ee_msg_hash (
      g_bytes_get_data (b, NULL), g_bytes_get_size (b), kx->my_hb_hash);
  if (kx->cb.send)
    kx->cb.send (kx, b, kx->user_data);
  g_bytes_unref (b);
  kx->next_hb_ms = now_ms + kx->cfg.heartbeat_ms;
}

/* Publishes a roster of the present participants (keeping indices) and
 * keys for a new epoch. */
static void
rekey (GstE2eeKx *kx, gint64 now_ms)
{
  GstE2eeMsg *r = new_msg (kx, GST_E2EE_MSG_ROSTER), *k;
  GHashTableIter it;
  gpointer v;
  GPtrArray *newcomers = g_ptr_array_new ();
  guint8 mk[GST_E2EE_KEY_LEN];
  GBytes *rb;
  GError *err = NULL;
  guint64 e;

  kx->rekey_due_ms = 0;
  /* present members keep their index; newcomers by channel order */
  if (kx->roster) {
    r->version = kx->roster->version + 1;
    memcpy (r->prev_hash, kx->roster_hash, GST_E2EE_HASH_LEN);
    for (guint i = 0; i < kx->roster->entries->len; i++) {
      GstE2eeRosterEntry *en = g_ptr_array_index (kx->roster->entries, i);
      Peer *p = g_hash_table_lookup (kx->peers, en->participant_id);
      if (p && !p->gone)
        gst_e2ee_msg_add_entry (r, en->index, en->participant_id,
            en->identity_key, en->dh_key, en->display_name);
    }
  } else {
    r->version = 1;
  }
  g_hash_table_iter_init (&it, kx->peers);
  while (g_hash_table_iter_next (&it, NULL, &v)) {
    Peer *p = v;
    if (p->announced && !p->gone && !roster_entry (r, p->id))
      g_ptr_array_add (newcomers, p);
  }
  /* sort by announce order */
  for (guint i = 0; i < newcomers->len; i++)
    for (guint j = i + 1; j < newcomers->len; j++)
      if (((Peer *)newcomers->pdata[j])->seq <
          ((Peer *)newcomers->pdata[i])->seq) {
        gpointer t = newcomers->pdata[i];
        newcomers->pdata[i] = newcomers->pdata[j];
        newcomers->pdata[j] = t;
      }
  for (guint i = 0; i < newcomers->len && kx->next_index <= G_MAXUINT16; i++) {
    Peer *p = newcomers->pdata[i];
    gst_e2ee_msg_add_entry (
        r, (guint16)kx->next_index++, p->id, p->ik, p->dh, p->name);
  }
  g_ptr_array_unref (newcomers);

  rb = gst_e2ee_msg_encode (r, kx->identity, &err);
  if (!rb) {
    GST_ERROR ("[%s] roster: %s", kx->self_id, err->message);
    g_error_free (err);
    gst_e2ee_msg_free (r);
    return;
  }
  if (kx->cb.send)
    kx->cb.send (kx, rb, kx->user_data);
  accept_roster (
      kx, r, g_bytes_get_data (rb, NULL), g_bytes_get_size (rb), now_ms);
  g_bytes_unref (rb);

  e = MAX (kx->epoch, kx->epoch_seen) + 1;
  randombytes_buf (mk, sizeof (mk));
  k = new_msg (kx, GST_E2EE_MSG_KEYS);
  k->epoch = e;
  k->roster_version = kx->roster->version;
  for (guint i = 0; i < kx->roster->entries->len; i++) {
    GstE2eeRosterEntry *en = g_ptr_array_index (kx->roster->entries, i);
    Peer *p = g_hash_table_lookup (kx->peers, en->participant_id);
    GstE2eeKeyBox box;
    if (!p || g_strcmp0 (p->id, kx->self_id) == 0 || p->n_nonces == 0)
      continue;
    if (gst_e2ee_keybox_seal (kx->dh, p->dh, kx->meeting_id, kx->instance,
            kx->self_id, p->id, e, p->nonce[0], mk, &box))
      gst_e2ee_msg_add_box (k, &box);
  }
  send_msg (kx, k);
  gst_e2ee_msg_free (k);
  install_epoch (kx, e, mk);
  sodium_memzero (mk, sizeof (mk));
  kx->pending_epoch = e;
  kx->keys_sent_ms = now_ms;
  if (kx->cfg.rekey_interval_ms)
    kx->periodic_ms = now_ms + kx->cfg.rekey_interval_ms;
  if (kx->roster->entries->len == 1) {
    switch_send (kx, e, now_ms);
    kx->pending_epoch = 0;
  }
  send_heartbeat (kx, now_ms);
}

static void
become_leader (GstE2eeKx *kx, gint64 now_ms)
{
  if (kx->leading)
    return;
  GST_INFO ("[%s] leading the meeting", kx->self_id);
  kx->leading = TRUE;
  kx->next_index = 0;
  if (kx->roster)
    for (guint i = 0; i < kx->roster->entries->len; i++)
      kx->next_index = MAX (kx->next_index,
          ((GstE2eeRosterEntry *)g_ptr_array_index (kx->roster->entries, i))
                  ->index +
              1u);
  memset (kx->my_hb_hash, 0, GST_E2EE_HASH_LEN);
  kx->my_hb_counter = kx->have_hb ? kx->hb_counter : 0;
  rekey (kx, now_ms);
}

/* Every roster member has acknowledged the pending epoch. */
static gboolean
all_acked (GstE2eeKx *kx)
{
  for (guint i = 0; i < kx->roster->entries->len; i++) {
    GstE2eeRosterEntry *en = g_ptr_array_index (kx->roster->entries, i);
    Peer *p = g_hash_table_lookup (kx->peers, en->participant_id);
    if (g_strcmp0 (en->participant_id, kx->self_id) == 0)
      continue;
    if (!p || p->acked_epoch < kx->pending_epoch)
      return FALSE;
  }
  return TRUE;
}

static void
confirm_pending (GstE2eeKx *kx, gint64 now_ms)
{
  switch_send (kx, kx->pending_epoch, now_ms);
  kx->pending_epoch = 0;
  send_heartbeat (kx, now_ms);
}

static void
schedule_rekey (GstE2eeKx *kx, guint delay_ms, gint64 now_ms)
{
  gint64 due = now_ms + delay_ms;

  if (!kx->leading)
    return;
  if (!kx->rekey_due_ms || due < kx->rekey_due_ms)
    kx->rekey_due_ms = due;
}

/* ------------------------------------------------------------ receiving */

/* With the leader gone, the designated successor takes over; it is looked
 * for again whenever someone else goes too (the successor may be gone
 * before it could lead). */
static void
leader_check (GstE2eeKx *kx, const gchar *gone_id, gint64 now_ms)
{
  Peer *lp =
      kx->leader_id ? g_hash_table_lookup (kx->peers, kx->leader_id) : NULL;
  const gchar *next;

  if (kx->leading || !lp || !lp->gone)
    return;
  next = designated_leader (kx);
  GST_INFO ("[%s] leader %s gone (%s left), successor %s", kx->self_id,
      kx->leader_id, gone_id, GST_STR_NULL (next));
  if (g_strcmp0 (next, kx->self_id) == 0)
    become_leader (kx, now_ms);
}

/* for_good: its LEAVE, or the channel said so (server ids are never
 * reused in an instance), as opposed to a missed heartbeat: a later roster
 * that still lists it does not bring it back. */
static void
mark_gone (GstE2eeKx *kx, const gchar *id, gboolean for_good, gint64 now_ms)
{
  Peer *p = g_hash_table_lookup (kx->peers, id);

  if (g_strcmp0 (id, kx->self_id) == 0)
    return;
  if (p && for_good)
    p->left = TRUE;
  if (!p || p->gone)
    return;
  p->gone = TRUE;
  if (kx->leading) {
    if (roster_entry (kx->roster, id))
      schedule_rekey (kx, kx->cfg.leave_debounce_ms, now_ms);
    return;
  }
  if (g_strcmp0 (id, kx->leader_id) == 0) {
    kx->leader_since_ms = now_ms;
    kx->last_hb_ms = now_ms;
  }
  leader_check (kx, id, now_ms);
}

/* Only the first valid ANNOUNCE of a participant id counts (1.5): a replay
 * changes nothing, and never brings back a participant that is gone. */
static void
on_announce (GstE2eeKx *kx, GstE2eeMsg *m, gint64 now_ms)
{
  Peer *p = g_hash_table_lookup (kx->peers, m->sender_id);

  if (p && p->announced) {
    if (memcmp (p->ik, m->identity_key, GST_E2EE_KEY_LEN) != 0)
      emit (kx,
          gst_structure_new ("keyexchange-identity-conflict", "participant-id",
              G_TYPE_STRING, m->sender_id, NULL));
    return;
  }
  if (p && memcmp (p->ik, m->identity_key, GST_E2EE_KEY_LEN) != 0) {
    /* known from a roster with another identity */
    emit (kx,
        gst_structure_new ("keyexchange-identity-conflict", "participant-id",
            G_TYPE_STRING, m->sender_id, NULL));
    return;
  }
  if (!p) {
    p = g_new0 (Peer, 1);
    p->id = g_strdup (m->sender_id);
    memcpy (p->ik, m->identity_key, GST_E2EE_KEY_LEN);
    p->left = p->gone = g_hash_table_contains (kx->gone_ids, p->id);
    g_hash_table_insert (kx->peers, p->id, p);
  }
  memcpy (p->dh, m->dh_key, GST_E2EE_KEY_LEN);
  g_free (p->name);
  p->name = g_strdup (m->display_name);
  if (p->n_nonces == 0) {
    /* a roster may have told us of it first, and an ACK with a newer
     * nonce may have come before this ANNOUNCE */
    memcpy (p->nonce[0], m->nonce, GST_E2EE_NONCE_LEN);
    p->n_nonces = 1;
  }
  p->announced = TRUE;
  p->seq = kx->next_seq++;
  if (p->gone)
    return;
  /* with the leader and every member gone, the first present announcer
   * leads: this may be it (or us) */
  leader_check (kx, p->id, now_ms);
  if (kx->leading && !roster_entry (kx->roster, p->id))
    schedule_rekey (kx, kx->cfg.join_batch_ms, now_ms);
}

/* ACKs of an author are ordered by their signed counter: an old or
 * replayed one would rewind the liveness nonce and lock the author out of
 * the next key box (1.8), so it is ignored. */
static void
on_ack (GstE2eeKx *kx, GstE2eeMsg *m, Peer *p, gint64 now_ms)
{
  if (m->counter <= p->ack_counter)
    return;
  p->ack_counter = m->counter;
  memcpy (p->nonce[1], p->nonce[0], GST_E2EE_NONCE_LEN);
  memcpy (p->nonce[0], m->nonce, GST_E2EE_NONCE_LEN);
  p->n_nonces = MIN (p->n_nonces + 1, 2u);
  if (m->acked_epoch > p->acked_epoch)
    p->acked_epoch = m->acked_epoch;
  if (kx->leading && kx->pending_epoch && all_acked (kx))
    confirm_pending (kx, now_ms);
}

static gboolean
my_nonce (GstE2eeKx *kx, const guint8 *n)
{
  return sodium_memcmp (n, kx->my_nonce[0], GST_E2EE_NONCE_LEN) == 0 ||
      sodium_memcmp (n, kx->my_nonce[1], GST_E2EE_NONCE_LEN) == 0;
}

static void
on_keys (GstE2eeKx *kx, GstE2eeMsg *m, Peer *author, gint64 now_ms)
{
  const GstE2eeKeyBox *mine = NULL;
  guint8 mk[GST_E2EE_KEY_LEN];

  if (g_strcmp0 (m->sender_id, kx->leader_id) != 0) {
    protocol_error (kx, m->sender_id,
        "KEYS from a participant that does "
        "not lead");
    return;
  }
  if (m->epoch <= kx->epoch)
    return; /* old or replayed */
  /* signed by the leader: a successor that never had this epoch still
   * numbers past it, so KIDs stay unique in the instance */
  if (m->epoch > kx->epoch_seen)
    kx->epoch_seen = m->epoch;
  for (guint i = 0; m->boxes && i < m->boxes->len; i++) {
    GstE2eeKeyBox *b = g_ptr_array_index (m->boxes, i);
    if (g_strcmp0 (b->recipient_id, kx->self_id) == 0)
      mine = b;
  }
  if (!mine)
    return; /* not (yet) a member */
  if (!kx->roster || m->roster_version != kx->roster->version ||
      kx->my_index < 0) {
    protocol_error (kx, m->sender_id, "KEYS for a roster we do not hold");
    return;
  }
  if (!my_nonce (kx, mine->recipient_nonce)) {
    protocol_error (kx, m->sender_id, "key box bound to a stale nonce");
    return;
  }
  if (!gst_e2ee_keybox_open (kx->dh, author->dh, kx->meeting_id, kx->instance,
          m->sender_id, kx->self_id, m->epoch, mine, mk)) {
    protocol_error (kx, m->sender_id, "key box does not open");
    return;
  }
  install_epoch (kx, m->epoch, mk);
  sodium_memzero (mk, sizeof (mk));
  send_ack (kx);
}

/* Returns TRUE when m was accepted (and is now owned by kx). */
static gboolean
on_roster (
    GstE2eeKx *kx, GstE2eeMsg *m, const guint8 *data, gsize len, gint64 now_ms)
{
  const GstE2eeRosterEntry *first;
  guint8 h[GST_E2EE_HASH_LEN];
  Peer *lp;

  if (!m->entries || m->entries->len == 0) {
    protocol_error (kx, m->sender_id, "empty roster");
    return FALSE;
  }
  first = g_ptr_array_index (m->entries, 0);
  if (g_strcmp0 (first->participant_id, m->sender_id) != 0) {
    protocol_error (kx, m->sender_id, "roster not led by its author");
    return FALSE;
  }
  /* identities must agree with what participants announced */
  for (guint i = 0; i < m->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (m->entries, i);
    Peer *p = g_hash_table_lookup (kx->peers, e->participant_id);
    if (p && memcmp (p->ik, e->identity_key, GST_E2EE_KEY_LEN) != 0) {
      protocol_error (kx, m->sender_id, "roster changes an identity key");
      return FALSE;
    }
  }
  if (kx->roster) {
    if (m->version <= kx->roster->version) {
      gst_e2ee_msg_hash (data, len, h);
      if (m->version == kx->roster->version &&
          sodium_memcmp (h, kx->roster_hash, GST_E2EE_HASH_LEN) != 0)
        emit (kx,
            gst_structure_new ("keyexchange-fork", "participant-id",
                G_TYPE_STRING, m->sender_id, "version", G_TYPE_UINT64,
                m->version, NULL));
      return FALSE;
    }
    /* the leader, or its successor (the roster then drops the leader) */
    if (g_strcmp0 (m->sender_id, kx->leader_id) != 0 &&
        (!may_succeed (kx, m->sender_id, kx->leader_id) ||
            roster_entry (m, kx->leader_id))) {
      protocol_error (kx, m->sender_id,
          "roster from a participant that may "
          "not lead");
      return FALSE;
    }
    /* The next version must chain to ours: a different predecessor is a
     * second signed version of ours (a fork). A later version skips some
     * (the board keeps only each author's newest roster, or the channel
     * lost one): nothing signed conflicts, so it is taken as it stands. */
    if (m->version == kx->roster->version + 1 &&
        sodium_memcmp (m->prev_hash, kx->roster_hash, GST_E2EE_HASH_LEN) != 0) {
      emit (kx,
          gst_structure_new ("keyexchange-fork", "participant-id",
              G_TYPE_STRING, m->sender_id, "version", G_TYPE_UINT64, m->version,
              NULL));
      return FALSE;
    }
    if (m->version != kx->roster->version + 1)
      GST_INFO ("[%s] roster %" G_GUINT64_FORMAT " after %" G_GUINT64_FORMAT
                ": versions skipped",
          kx->self_id, m->version, kx->roster->version);
    if (g_strcmp0 (m->sender_id, kx->leader_id) != 0) {
      /* a successor: the old leader must be gone from it */
      Peer *old = g_hash_table_lookup (kx->peers, kx->leader_id);
      if (old)
        old->gone = TRUE;
    }
  }
  for (guint i = 0; i < m->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (m->entries, i);
    Peer *p = g_hash_table_lookup (kx->peers, e->participant_id);
    if (p && !p->left)
      p->gone = FALSE;
  }
  accept_roster (kx, m, data, len, now_ms);
  /* a leader we know to be gone (its LEAVE, or the channel said so, before
   * its roster reached us): its successor takes over */
  lp = g_hash_table_lookup (kx->peers, kx->leader_id);
  if (lp && lp->gone && !kx->leading)
    leader_check (kx, kx->leader_id, now_ms);
  return TRUE;
}

/* Heartbeats of the current leader that contradict each other: two
 * different ones with one counter, or one whose predecessor is not the
 * heartbeat we hold with the counter before. A gap (dropped) or a late one
 * (reordered) contradicts nothing. */
static gboolean
heartbeat_conflicts (
    GstE2eeKx *kx, const GstE2eeMsg *m, const guint8 h[GST_E2EE_HASH_LEN])
{
  for (guint i = 0; i < MIN (kx->n_hb_seen, (guint)HB_RING); i++) {
    const HbSeen *s = &kx->hb_seen[i];
    if (s->counter == m->counter &&
        sodium_memcmp (s->hash, h, GST_E2EE_HASH_LEN) != 0)
      return TRUE;
    if (s->counter == m->counter + 1 &&
        sodium_memcmp (s->prev, h, GST_E2EE_HASH_LEN) != 0)
      return TRUE;
    if (m->counter == s->counter + 1 &&
        sodium_memcmp (m->prev_hash, s->hash, GST_E2EE_HASH_LEN) != 0)
      return TRUE;
    if ((s->counter < m->counter && m->leader_time_ms < s->time) ||
        (s->counter > m->counter && m->leader_time_ms > s->time))
      return TRUE; /* its monotonic clock went back */
  }
  return FALSE;
}

static void
on_heartbeat (
    GstE2eeKx *kx, GstE2eeMsg *m, const guint8 *data, gsize len, gint64 now_ms)
{
  guint8 h[GST_E2EE_HASH_LEN];
  HbSeen *s;

  if (g_strcmp0 (m->sender_id, kx->leader_id) != 0) {
    protocol_error (kx, m->sender_id,
        "heartbeat from a participant that "
        "does not lead");
    return;
  }
  gst_e2ee_msg_hash (data, len, h);
  if (kx->have_hb && heartbeat_conflicts (kx, m, h)) {
    emit (kx,
        gst_structure_new ("keyexchange-fork", "participant-id", G_TYPE_STRING,
            m->sender_id, "heartbeat", G_TYPE_UINT64, m->counter, NULL));
    return;
  }
  if (kx->have_hb && m->counter <= kx->hb_counter)
    return; /* old, late or replayed: consistent, but nothing new */
  if (kx->roster && m->roster_version == kx->roster->version &&
      sodium_memcmp (m->roster_hash, kx->roster_hash, GST_E2EE_HASH_LEN) != 0) {
    /* the leader signed another roster of this version */
    emit (kx,
        gst_structure_new ("keyexchange-fork", "participant-id", G_TYPE_STRING,
            m->sender_id, "roster-version", G_TYPE_UINT64, m->roster_version,
            NULL));
    return;
  }
  /* a signed sign of life of the leader, newer than any before: the chain
   * goes on from it even across a gap */
  if (kx->have_hb && m->counter != kx->hb_counter + 1)
    GST_INFO ("[%s] heartbeats %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
              " of %s missed",
        kx->self_id, kx->hb_counter + 1, m->counter - 1, m->sender_id);
  kx->have_hb = TRUE;
  kx->hb_counter = m->counter;
  kx->hb_time = m->leader_time_ms;
  s = &kx->hb_seen[kx->n_hb_seen++ % HB_RING];
  if (kx->n_hb_seen >= 2 * HB_RING)
    kx->n_hb_seen -= HB_RING; /* stays >= HB_RING: the ring is full */
  s->counter = m->counter;
  s->time = m->leader_time_ms;
  memcpy (s->hash, h, GST_E2EE_HASH_LEN);
  memcpy (s->prev, m->prev_hash, GST_E2EE_HASH_LEN);
  kx->last_hb_ms = now_ms;
  if (m->epoch > kx->hb_epoch_seen)
    kx->hb_epoch_seen = m->epoch;
  if (!kx->roster || m->roster_version != kx->roster->version)
    return; /* about a roster we do not hold (yet): liveness only */
  if (m->send_epoch > kx->send_epoch) {
    if (find_epoch (kx, m->send_epoch))
      switch_send (kx, m->send_epoch, now_ms);
    else if (kx->my_index >= 0 && m->send_epoch >= kx->member_from_epoch &&
        m->send_epoch > kx->missing_epoch) {
      /* a key of an epoch made for us never reached us: withheld, dropped
       * or tampered with */
      kx->missing_epoch = m->send_epoch;
      emit (kx,
          gst_structure_new ("keyexchange-missing-key", "epoch", G_TYPE_UINT64,
              m->send_epoch, "leader", G_TYPE_STRING, m->sender_id, NULL));
    }
  }
}

/* The identity key a message must be signed with. */
static const guint8 *
author_key (GstE2eeKx *kx, GstE2eeMsg *m, Peer **peer)
{
  Peer *p = g_hash_table_lookup (kx->peers, m->sender_id);
  const GstE2eeRosterEntry *e;

  *peer = p;
  if (m->type == GST_E2EE_MSG_ANNOUNCE)
    return m->identity_key; /* self-signed; checked against history */
  if (m->type == GST_E2EE_MSG_ROSTER && !kx->roster && m->entries &&
      m->entries->len > 0) {
    e = g_ptr_array_index (m->entries, 0);
    if (!p && g_strcmp0 (e->participant_id, m->sender_id) == 0)
      return e->identity_key; /* a first roster vouches for its leader */
  }
  return p ? p->ik : NULL;
}

void
gst_e2ee_kx_receive (
    GstE2eeKx *kx, const guint8 *data, gsize len, gint64 now_ms)
{
  GError *err = NULL;
  GstE2eeMsg *m;
  const guint8 *ik;
  Peer *p;

  if (kx->left)
    return;
  kx->now_ms = now_ms;
  m = gst_e2ee_msg_decode (data, len, &err);
  if (!m) {
    unverified_error (kx, NULL, err->message);
    g_error_free (err);
    return;
  }
  if (g_strcmp0 (m->meeting_id, kx->meeting_id) != 0 ||
      !g_bytes_equal (m->instance, kx->instance)) {
    unverified_error (kx, m->sender_id,
        "message of another meeting or "
        "instance");
    gst_e2ee_msg_free (m);
    return;
  }
  ik = author_key (kx, m, &p);
  if (!ik || !gst_e2ee_msg_verify (m, data, len, ik)) {
    /* nothing proves who made it: the sender field is only a claim */
    unverified_error (kx, m->sender_id,
        ik ? "bad signature" : "message from an unknown participant");
    gst_e2ee_msg_free (m);
    return;
  }
  if (g_strcmp0 (m->sender_id, kx->self_id) == 0 &&
      m->type != GST_E2EE_MSG_ANNOUNCE) {
    gst_e2ee_msg_free (m); /* our own echo: applied when sent */
    return;
  }
  switch (m->type) {
    case GST_E2EE_MSG_ANNOUNCE:
      on_announce (kx, m, now_ms);
      break;
    case GST_E2EE_MSG_ACK:
      if (p)
        on_ack (kx, m, p, now_ms);
      break;
    case GST_E2EE_MSG_KEYS:
      on_keys (kx, m, p, now_ms);
      break;
    case GST_E2EE_MSG_ROSTER:
      if (on_roster (kx, m, data, len, now_ms))
        return; /* kept as the accepted roster */
      break;
    case GST_E2EE_MSG_HEARTBEAT:
      on_heartbeat (kx, m, data, len, now_ms);
      break;
    case GST_E2EE_MSG_LEAVE:
      mark_gone (kx, m->sender_id, TRUE, now_ms);
      break;
  }
  gst_e2ee_msg_free (m);
}

/* ------------------------------------------------------------- public */

void
gst_e2ee_kx_start (GstE2eeKx *kx, gint64 now_ms)
{
  GstE2eeMsg *m;

  if (kx->started)
    return;
  kx->started = TRUE;
  kx->start_ms = now_ms;
  kx->now_ms = now_ms;
  kx->last_ack_ms = now_ms;
  kx->last_hb_ms = now_ms;
  fresh_nonce (kx);
  m = new_msg (kx, GST_E2EE_MSG_ANNOUNCE);
  memcpy (m->identity_key, kx->identity->pk, GST_E2EE_KEY_LEN);
  memcpy (m->dh_key, kx->dh->pk, GST_E2EE_KEY_LEN);
  m->display_name = g_strdup (kx->self_name);
  memcpy (m->nonce, kx->my_nonce[0], GST_E2EE_NONCE_LEN);
  m->join_time_ms = (guint64)(g_get_real_time () / 1000);
  send_msg (kx, m);
  gst_e2ee_msg_free (m);
}

void
gst_e2ee_kx_peer_gone (
    GstE2eeKx *kx, const gchar *participant_id, gint64 now_ms)
{
  if (kx->left || !participant_id ||
      g_strcmp0 (participant_id, kx->self_id) == 0)
    return;
  /* kept for a participant we do not know yet (its messages may come
   * later in the board's history, or never) */
  if (g_hash_table_size (kx->gone_ids) < 4 * GST_E2EE_MAX_ENTRIES)
    g_hash_table_add (kx->gone_ids, g_strdup (participant_id));
  mark_gone (kx, participant_id, TRUE, now_ms);
}

gint64
gst_e2ee_kx_tick (GstE2eeKx *kx, gint64 now_ms)
{
  gint64 next = now_ms + kx->cfg.heartbeat_ms;

  if (!kx->started || kx->left)
    return G_MAXINT64;
  kx->now_ms = now_ms;
  /* liveness: a fresh nonce for the leader's next key box (1.8) */
  if (kx->roster && !kx->leading && kx->my_index >= 0) {
    if (now_ms - kx->last_ack_ms >= (gint64)kx->cfg.liveness_ms)
      send_ack (kx);
    next = MIN (next, kx->last_ack_ms + kx->cfg.liveness_ms);
  }

  if (!kx->roster && !kx->leading) {
    /* no roster yet: the first announcer leads (docs/protocol.md 1.9) */
    if (now_ms - kx->start_ms >= kx->cfg.start_wait_ms) {
      Peer *first = NULL;
      GHashTableIter it;
      gpointer v;
      g_hash_table_iter_init (&it, kx->peers);
      while (g_hash_table_iter_next (&it, NULL, &v)) {
        Peer *p = v;
        if (p->announced && !p->gone && (!first || p->seq < first->seq))
          first = p;
      }
      if (first && g_strcmp0 (first->id, kx->self_id) == 0)
        become_leader (kx, now_ms);
    } else {
      next = MIN (next, kx->start_ms + kx->cfg.start_wait_ms);
    }
  }

  if (kx->leading) {
    if (kx->rekey_due_ms && now_ms >= kx->rekey_due_ms)
      rekey (kx, now_ms);
    if (kx->pending_epoch &&
        now_ms - kx->keys_sent_ms >= (gint64)kx->cfg.ack_timeout_ms)
      confirm_pending (kx, now_ms);
    if (kx->periodic_ms && now_ms >= kx->periodic_ms)
      rekey (kx, now_ms);
    if (now_ms >= kx->next_hb_ms)
      send_heartbeat (kx, now_ms);
    next = MIN (next, kx->next_hb_ms);
    if (kx->rekey_due_ms)
      next = MIN (next, kx->rekey_due_ms);
    if (kx->pending_epoch)
      next = MIN (next, kx->keys_sent_ms + kx->cfg.ack_timeout_ms);
    if (kx->periodic_ms)
      next = MIN (next, kx->periodic_ms);
  } else if (kx->roster && kx->leader_id) {
    /* left out: a live leader has not taken us in for a heartbeat timeout
     * (it never saw our ANNOUNCE, or will not have us) */
    if (kx->my_index < 0 && !kx->excluded_told && kx->have_hb) {
      gint64 since = MAX (kx->start_ms, kx->excluded_since_ms);
      if (now_ms - since >= (gint64)kx->cfg.heartbeat_timeout_ms) {
        kx->excluded_told = TRUE;
        emit (kx,
            gst_structure_new ("keyexchange-excluded", "leader", G_TYPE_STRING,
                kx->leader_id, "roster-version", G_TYPE_UINT64,
                kx->roster->version, NULL));
      } else {
        next = MIN (next, since + kx->cfg.heartbeat_timeout_ms);
      }
    }
    if (now_ms - kx->last_hb_ms >= (gint64)kx->cfg.heartbeat_timeout_ms) {
      GST_INFO ("[%s] no heartbeat from %s", kx->self_id, kx->leader_id);
      mark_gone (kx, kx->leader_id, FALSE, now_ms);
    }
    next = MIN (next, kx->last_hb_ms + kx->cfg.heartbeat_timeout_ms);
  }
  return next;
}

void
gst_e2ee_kx_leave (GstE2eeKx *kx, gint64 now_ms)
{
  GstE2eeMsg *m;

  if (kx->left)
    return;
  if (kx->started) {
    m = new_msg (kx, GST_E2EE_MSG_LEAVE);
    send_msg (kx, m);
    gst_e2ee_msg_free (m);
  }
  kx->left = TRUE;
  kx->leading = FALSE;
  wipe_all (kx);
}

gboolean
gst_e2ee_kx_is_leader (GstE2eeKx *kx)
{
  return kx->leading;
}

gboolean
gst_e2ee_kx_is_active (GstE2eeKx *kx)
{
  return !kx->left && kx->send_epoch > 0;
}

const gchar *
gst_e2ee_kx_get_leader (GstE2eeKx *kx)
{
  return kx->leader_id;
}

guint64
gst_e2ee_kx_get_epoch (GstE2eeKx *kx)
{
  return kx->epoch;
}

guint64
gst_e2ee_kx_get_send_epoch (GstE2eeKx *kx)
{
  return kx->send_epoch;
}

gint
gst_e2ee_kx_get_index (GstE2eeKx *kx)
{
  return kx->my_index;
}

gchar *
gst_e2ee_kx_get_security_code (GstE2eeKx *kx)
{
  Peer *l =
      kx->code_leader ? g_hash_table_lookup (kx->peers, kx->code_leader) : NULL;
  return l ? gst_e2ee_security_code (kx->meeting_id, kx->instance, l->ik)
           : NULL;
}

GStrv
gst_e2ee_kx_get_roster (GstE2eeKx *kx)
{
  GStrvBuilder *b = g_strv_builder_new ();
  GStrv v;

  for (guint i = 0; kx->roster && i < kx->roster->entries->len; i++)
    g_strv_builder_add (b,
        ((GstE2eeRosterEntry *)g_ptr_array_index (kx->roster->entries, i))
            ->participant_id);
  v = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return v;
}
