/* The gst-e2ee/1 key-exchange state machine (docs/protocol.md, part 1):
 * the roster, who leads, and leading (heartbeats, rekeys).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "e2eekx-priv.h"

#include <string.h>

#include <sodium.h>

#include "sframe.h"

#define GST_CAT_DEFAULT kx_debug

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

const GstE2eeRosterEntry *
kx_roster_entry (GstE2eeMsg *roster, const gchar *id)
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

void
kx_announce_leader (GstE2eeKx *kx)
{
  Peer *l = g_hash_table_lookup (kx->peers, kx->code_leader);
  gchar *code;

  if (!l)
    return;
  code = gst_e2ee_security_code (kx->meeting_id, kx->instance, l->ik);
  kx_emit (kx,
      gst_structure_new ("keyexchange-leader", "leader", G_TYPE_STRING,
          kx->code_leader, "security-code", G_TYPE_STRING, code, NULL));
  g_free (code);
}

/* Makes roster (owned) the accepted one, reporting who joined and left. */
void
kx_accept_roster (GstE2eeKx *kx, GstE2eeMsg *roster, const guint8 *data,
    gsize len, gint64 now_ms)
{
  GstE2eeMsg *old = kx->roster;
  const GstE2eeRosterEntry *first = g_ptr_array_index (roster->entries, 0);
  gboolean new_leader = g_strcmp0 (kx->leader_id, first->participant_id) != 0;
  const GstE2eeRosterEntry *me;

  for (guint i = 0; i < roster->entries->len; i++) {
    GstE2eeRosterEntry *e = g_ptr_array_index (roster->entries, i);
    Peer *p = peer_for_entry (kx, e);
    if (!kx_roster_entry (old, e->participant_id)) {
      gchar *fp = gst_e2ee_fingerprint (p->ik);
      kx_emit (kx,
          gst_structure_new ("keyexchange-joined", "participant-id",
              G_TYPE_STRING, e->participant_id, "display-name", G_TYPE_STRING,
              e->display_name, "fingerprint", G_TYPE_STRING, fp, NULL));
      g_free (fp);
    }
  }
  if (old) {
    for (guint i = 0; i < old->entries->len; i++) {
      GstE2eeRosterEntry *e = g_ptr_array_index (old->entries, i);
      if (!kx_roster_entry (roster, e->participant_id)) {
        gchar *fp = gst_e2ee_fingerprint (e->identity_key);
        kx_emit (kx,
            gst_structure_new ("keyexchange-left", "participant-id",
                G_TYPE_STRING, e->participant_id, "fingerprint", G_TYPE_STRING,
                fp, NULL));
        g_free (fp);
      }
    }
  }
  kx->roster = roster;
  gst_e2ee_msg_hash (data, len, kx->roster_hash);
  me = kx_roster_entry (roster, kx->self_id);
  if (old && kx_roster_entry (old, kx->self_id) && !me) {
    kx_emit (kx,
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

const gchar *
kx_designated_leader (GstE2eeKx *kx)
{
  return designated_leader_without (kx, NULL);
}

/* Whether author may take over from leader by the successor rule, as far as
 * we know: what we know of the author's own presence does not count (a
 * roster it signed while it was there stays valid; if it is gone now, the
 * rule applies again at once). */
gboolean
kx_may_succeed (GstE2eeKx *kx, const gchar *author, const gchar *leader)
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

void
kx_send_heartbeat (GstE2eeKx *kx, gint64 now_ms)
{
  GstE2eeMsg *m = kx_new_msg (kx, GST_E2EE_MSG_HEARTBEAT);
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
void
kx_rekey (GstE2eeKx *kx, gint64 now_ms)
{
  GstE2eeMsg *r = kx_new_msg (kx, GST_E2EE_MSG_ROSTER), *k;
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
    if (p->announced && !p->gone && !kx_roster_entry (r, p->id))
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
  kx_accept_roster (
      kx, r, g_bytes_get_data (rb, NULL), g_bytes_get_size (rb), now_ms);
  g_bytes_unref (rb);

  e = MAX (kx->epoch, kx->epoch_seen) + 1;
  randombytes_buf (mk, sizeof (mk));
  k = kx_new_msg (kx, GST_E2EE_MSG_KEYS);
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
  kx_send_msg (kx, k);
  gst_e2ee_msg_free (k);
  kx_install_epoch (kx, e, mk);
  sodium_memzero (mk, sizeof (mk));
  kx->pending_epoch = e;
  kx->keys_sent_ms = now_ms;
  if (kx->cfg.rekey_interval_ms)
    kx->periodic_ms = now_ms + kx->cfg.rekey_interval_ms;
  if (kx->roster->entries->len == 1) {
    kx_switch_send (kx, e, now_ms);
    kx->pending_epoch = 0;
  }
  kx_send_heartbeat (kx, now_ms);
}

void
kx_become_leader (GstE2eeKx *kx, gint64 now_ms)
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
  kx_rekey (kx, now_ms);
}

/* Every roster member has acknowledged the pending epoch. */
gboolean
kx_all_acked (GstE2eeKx *kx)
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

void
kx_confirm_pending (GstE2eeKx *kx, gint64 now_ms)
{
  kx_switch_send (kx, kx->pending_epoch, now_ms);
  kx->pending_epoch = 0;
  kx_send_heartbeat (kx, now_ms);
}

void
kx_schedule_rekey (GstE2eeKx *kx, guint delay_ms, gint64 now_ms)
{
  gint64 due = now_ms + delay_ms;

  if (!kx->leading)
    return;
  if (!kx->rekey_due_ms || due < kx->rekey_due_ms)
    kx->rekey_due_ms = due;
}
