/* The ICE endpoint of the meeting transport (docs/protocol.md 2.1): the
 * libnice agent both the server and the client session run, one stream of
 * one component (RTP and RTCP muxed), RFC 5245 with trickle. GStreamer-free.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __MEETING_ICE_H__
#define __MEETING_ICE_H__

#include <nice/agent.h>

G_BEGIN_DECLS

typedef struct _MeetingIce MeetingIce;

typedef struct
{
  /* a local candidate, as an `a=candidate:` line (to send in `candidate`) */
  void (*candidate) (MeetingIce *ice, const gchar *line, gpointer user_data);
  /* all local candidates gathered (send `end-of-candidates`) */
  void (*gathering_done) (MeetingIce *ice, gpointer user_data);
  /* NICE_COMPONENT_STATE_* of the one component */
  void (*state) (MeetingIce *ice, guint state, gpointer user_data);
  /* a datagram (RTP or RTCP) */
  NiceAgentRecvFunc recv;
} MeetingIceCallbacks;

typedef struct
{
  GMainContext *context; /* NULL: the default */
  gboolean controlling; /* the client is, the server is not */
  const gchar *local_address; /* NULL: libnice's own discovery */
  guint port_min, port_max; /* 0: any */
} MeetingIceConfig;

typedef enum
{
  MEETING_ICE_OK,
  MEETING_ICE_TOO_MANY, /* over MEETING_PROTO_MAX_CANDIDATES */
  MEETING_ICE_UNPARSABLE, /* not a candidate line of component 1 */
  MEETING_ICE_REFUSED, /* the agent did not take it */
} MeetingIceResult;

/* Creates the agent, its stream, connects the callbacks. NULL on failure
 * (a local address the agent refuses, no stream). Gathering starts with
 * meeting_ice_gather (), after the credentials were sent. */
MeetingIce *meeting_ice_new (const MeetingIceConfig *config,
    const MeetingIceCallbacks *callbacks, gpointer user_data);
void meeting_ice_free (MeetingIce *ice);

NiceAgent *meeting_ice_get_agent (MeetingIce *ice);
guint meeting_ice_get_stream_id (MeetingIce *ice);

gboolean meeting_ice_get_local_credentials (
    MeetingIce *ice, gchar **ufrag, gchar **pwd);
gboolean meeting_ice_gather (MeetingIce *ice);

/* the peer's side, from its `ice`, `candidate` and `end-of-candidates` */
gboolean meeting_ice_set_remote_credentials (
    MeetingIce *ice, const gchar *ufrag, const gchar *pwd);
/* Parses (bounded) and counts a remote candidate line; with add FALSE it
 * is only checked and counted, not given to the agent. */
MeetingIceResult meeting_ice_add_remote_candidate (
    MeetingIce *ice, const gchar *line, gboolean add);
void meeting_ice_remote_gathering_done (MeetingIce *ice);

/* < 0: not sent */
gint meeting_ice_send (MeetingIce *ice, const guint8 *buf, gsize len);

static inline gboolean
meeting_ice_state_is_connected (guint state)
{
  return state == NICE_COMPONENT_STATE_CONNECTED ||
      state == NICE_COMPONENT_STATE_READY;
}

G_END_DECLS

#endif /* __MEETING_ICE_H__ */
