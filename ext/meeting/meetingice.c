/* The ICE endpoint of the meeting transport: one libnice agent, one stream,
 * one component.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include "meetingice.h"
#include "meetingproto.h"

struct _MeetingIce
{
  NiceAgent *agent;
  guint stream_id;
  GMainContext *context;
  MeetingIceCallbacks cb;
  gpointer user_data;
  guint n_remote_candidates;
};

static void
on_new_candidate (NiceAgent *agent, NiceCandidate *cand, gpointer data)
{
  MeetingIce *ice = data;
  gchar *line;

  if (!ice->cb.candidate)
    return;
  line = nice_agent_generate_local_candidate_sdp (agent, cand);
  if (line)
    ice->cb.candidate (ice, line, ice->user_data);
  g_free (line);
}

static void
on_gathering_done (NiceAgent *agent, guint stream_id, gpointer data)
{
  MeetingIce *ice = data;

  if (ice->cb.gathering_done)
    ice->cb.gathering_done (ice, ice->user_data);
}

static void
on_component_state (NiceAgent *agent, guint stream_id, guint component,
    guint state, gpointer data)
{
  MeetingIce *ice = data;

  if (ice->cb.state)
    ice->cb.state (ice, state, ice->user_data);
}

MeetingIce *
meeting_ice_new (const MeetingIceConfig *config,
    const MeetingIceCallbacks *callbacks, gpointer user_data)
{
  MeetingIce *ice = g_new0 (MeetingIce, 1);

  ice->context = config->context;
  ice->cb = *callbacks;
  ice->user_data = user_data;
  ice->agent = nice_agent_new_full (config->context, NICE_COMPATIBILITY_RFC5245,
      NICE_AGENT_OPTION_ICE_TRICKLE);
  g_object_set (ice->agent, "controlling-mode", config->controlling, "ice-tcp",
      FALSE, "upnp", FALSE, NULL);
  if (config->local_address) {
    NiceAddress addr;
    nice_address_init (&addr);
    if (!nice_address_set_from_string (&addr, config->local_address) ||
        !nice_agent_add_local_address (ice->agent, &addr))
      goto fail;
  }
  ice->stream_id = nice_agent_add_stream (ice->agent, 1);
  if (!ice->stream_id)
    goto fail;
  if (config->port_min || config->port_max)
    nice_agent_set_port_range (
        ice->agent, ice->stream_id, 1, config->port_min, config->port_max);
  g_signal_connect (
      ice->agent, "new-candidate-full", G_CALLBACK (on_new_candidate), ice);
  g_signal_connect (ice->agent, "candidate-gathering-done",
      G_CALLBACK (on_gathering_done), ice);
  g_signal_connect (ice->agent, "component-state-changed",
      G_CALLBACK (on_component_state), ice);
  if (ice->cb.recv)
    nice_agent_attach_recv (
        ice->agent, ice->stream_id, 1, ice->context, ice->cb.recv, user_data);
  return ice;
fail:
  g_object_unref (ice->agent);
  g_free (ice);
  return NULL;
}

void
meeting_ice_free (MeetingIce *ice)
{
  if (!ice)
    return;
  g_signal_handlers_disconnect_by_data (ice->agent, ice);
  nice_agent_attach_recv (
      ice->agent, ice->stream_id, 1, ice->context, NULL, NULL);
  nice_agent_remove_stream (ice->agent, ice->stream_id);
  g_object_unref (ice->agent);
  g_free (ice);
}

NiceAgent *
meeting_ice_get_agent (MeetingIce *ice)
{
  return ice->agent;
}

guint
meeting_ice_get_stream_id (MeetingIce *ice)
{
  return ice->stream_id;
}

gboolean
meeting_ice_get_local_credentials (MeetingIce *ice, gchar **ufrag, gchar **pwd)
{
  return nice_agent_get_local_credentials (
      ice->agent, ice->stream_id, ufrag, pwd);
}

gboolean
meeting_ice_gather (MeetingIce *ice)
{
  return nice_agent_gather_candidates (ice->agent, ice->stream_id);
}

gboolean
meeting_ice_set_remote_credentials (
    MeetingIce *ice, const gchar *ufrag, const gchar *pwd)
{
  return nice_agent_set_remote_credentials (
      ice->agent, ice->stream_id, ufrag, pwd);
}

MeetingIceResult
meeting_ice_add_remote_candidate (
    MeetingIce *ice, const gchar *line, gboolean add)
{
  NiceCandidate *cand;
  GSList *l;
  gint n;

  if (ice->n_remote_candidates >= MEETING_PROTO_MAX_CANDIDATES)
    return MEETING_ICE_TOO_MANY;
  if (!line || strlen (line) > MEETING_PROTO_MAX_CANDIDATE_LINE)
    return MEETING_ICE_UNPARSABLE;
  cand =
      nice_agent_parse_remote_candidate_sdp (ice->agent, ice->stream_id, line);
  if (!cand || cand->component_id != 1) {
    if (cand)
      nice_candidate_free (cand);
    return MEETING_ICE_UNPARSABLE;
  }
  ice->n_remote_candidates++;
  if (!add) {
    nice_candidate_free (cand);
    return MEETING_ICE_OK;
  }
  l = g_slist_append (NULL, cand);
  n = nice_agent_set_remote_candidates (ice->agent, ice->stream_id, 1, l);
  g_slist_free_full (l, (GDestroyNotify)nice_candidate_free);
  return n < 1 ? MEETING_ICE_REFUSED : MEETING_ICE_OK;
}

void
meeting_ice_remote_gathering_done (MeetingIce *ice)
{
  nice_agent_peer_candidate_gathering_done (ice->agent, ice->stream_id);
}

gint
meeting_ice_send (MeetingIce *ice, const guint8 *buf, gsize len)
{
  return nice_agent_send (
      ice->agent, ice->stream_id, 1, (guint)len, (const gchar *)buf);
}
