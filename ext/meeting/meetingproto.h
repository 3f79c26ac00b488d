/* The meeting signaling protocol (docs/protocol.md part 2), without
 * GStreamer: typed messages with parse (all validation) and serialize, the
 * shared constants, and the ICE endpoint both sides run (meetingice.c).
 * gst-meeting-server, the client session, the benchmark, the fuzzers and
 * the tests all use this one copy.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __MEETING_PROTO_H__
#define __MEETING_PROTO_H__

#include <glib.h>

#include "meetingrtcp.h"

G_BEGIN_DECLS

#define MEETING_PROTO_VERSION 1

/* bounds of part 2.2 */
#define MEETING_PROTO_MAX_ROOM 128
#define MEETING_PROTO_MAX_NAME 128
#define MEETING_PROTO_MAX_STREAM_ID 64
#define MEETING_PROTO_MAX_CAPS 2048
#define MEETING_PROTO_MIN_UFRAG 4
#define MEETING_PROTO_MIN_PWD 22
#define MEETING_PROTO_MAX_CREDENTIAL 256
#define MEETING_PROTO_MAX_CANDIDATE_LINE 512
#define MEETING_PROTO_MAX_CANDIDATES 32
#define MEETING_PROTO_MAX_SUB_NAMES 64
#define MEETING_PROTO_MAX_SLOT 32
/* what a client takes from a server (welcome's arrays, ids, codes) */
#define MEETING_PROTO_MAX_ID 64
#define MEETING_PROTO_MAX_LIST 4096
#define MEETING_PROTO_MAX_TEXT 1024

#define MEETING_PROTO_CAPS_PREFIX "application/x-rtp"

/* kinds of stream, as bits (subscriptions are sets of them) */
#define MEETING_KIND_AUDIO 1u
#define MEETING_KIND_VIDEO 2u
#define MEETING_KIND_SCREEN 4u
#define MEETING_KIND_ALL                                                       \
  (MEETING_KIND_AUDIO | MEETING_KIND_VIDEO | MEETING_KIND_SCREEN)

/* error codes of part 2.5 */
#define MEETING_ERR_BAD_REQUEST "bad-request"
#define MEETING_ERR_NOT_JOINED "not-joined"
#define MEETING_ERR_ALREADY_JOINED "already-joined"
#define MEETING_ERR_FORBIDDEN "forbidden"
#define MEETING_ERR_FULL "full"
#define MEETING_ERR_BOARD_QUOTA "board-quota"
#define MEETING_ERR_BOARD_FULL "board-full"
#define MEETING_ERR_E2EE_REQUIRED "e2ee-required"
#define MEETING_ERR_SSRC_TAKEN "ssrc-taken"
#define MEETING_ERR_TOO_MANY_STREAMS "too-many-streams"
#define MEETING_ERR_MEDIA_UNAVAILABLE "media-unavailable"
#define MEETING_ERR_MEDIA_FAILED "media-failed"
#define MEETING_ERR_TOO_BIG "too-big"
#define MEETING_ERR_RATE_LIMITED "rate-limited"

/* `left` reasons */
#define MEETING_LEFT_LEFT "left"
#define MEETING_LEFT_CLOSED "closed"
#define MEETING_LEFT_TIMEOUT "timeout"
#define MEETING_LEFT_MEDIA_FAILED "media-failed"

typedef enum
{
  MEETING_MSG_NONE = 0,
  /* both directions */
  MEETING_MSG_ICE,
  MEETING_MSG_CANDIDATE,
  MEETING_MSG_END_OF_CANDIDATES,
  /* client -> server */
  MEETING_MSG_JOIN,
  MEETING_MSG_PUBLISH,
  MEETING_MSG_UNPUBLISH,
  MEETING_MSG_SUBSCRIBE,
  MEETING_MSG_BOARD_POST,
  MEETING_MSG_PING,
  MEETING_MSG_LEAVE,
  /* server -> client */
  MEETING_MSG_WELCOME,
  MEETING_MSG_JOINED,
  MEETING_MSG_LEFT,
  MEETING_MSG_STREAM,
  MEETING_MSG_STREAM_REMOVED,
  MEETING_MSG_PUBLISHED,
  MEETING_MSG_BOARD,
  MEETING_MSG_PONG,
  MEETING_MSG_ERROR,
} MeetingMsgType;

typedef enum
{
  MEETING_TO_SERVER,
  MEETING_TO_CLIENT,
} MeetingDirection;

/* A stream: `publish` (from, name unset), `stream`, `stream-removed`,
 * `published` and the entries of `welcome`'s streams. */
typedef struct
{
  gchar *from; /* publisher's id */
  gchar *name; /* publisher's display name */
  gchar *stream;
  guint kind; /* MEETING_KIND_* (one bit) */
  guint32 ssrc;
  gchar *caps;
  gboolean e2ee;
} MeetingStreamInfo;

typedef struct
{
  gchar *id;
  gchar *name;
} MeetingPeerInfo;

typedef struct
{
  MeetingMsgType type;
  union
  {
    struct
    {
      gchar *name;
      gchar *passcode; /* NULL: none */
      gboolean receive;
    } join;
    struct
    {
      gchar *ufrag;
      gchar *pwd;
    } ice;
    struct
    {
      gchar *line; /* a=candidate:... */
    } candidate;
    /* publish, stream, stream-removed, published */
    MeetingStreamInfo stream;
    struct
    {
      gchar *stream;
    } unpublish;
    struct
    {
      guint kinds; /* MEETING_KIND_* set */
      GStrv names; /* NULL: everybody */
    } subscribe;
    /* board (post to the server: seq, from unset) */
    struct
    {
      guint64 seq;
      gchar *from;
      gchar *data; /* base64, not empty once decoded */
      gchar *slot; /* NULL: none */
    } board;
    struct
    {
      gint64 version;
      gchar *id;
      gchar *room;
      gchar *instance;
      MeetingPeerInfo *roster;
      guint n_roster;
      MeetingStreamInfo *streams;
      guint n_streams;
    } welcome;
    /* joined, left (reason only for left) */
    struct
    {
      gchar *id;
      gchar *name;
      gchar *reason;
    } presence;
    struct
    {
      gchar *code;
      gchar *message;
    } error;
  } u;
} MeetingMsg;

/* Parses one text message of the given direction. On failure returns FALSE
 * with *why set (a static string, for a bad-request error) and msg
 * cleared. Every member is type-, length- and charset-checked as
 * docs/protocol.md part 2 says; unknown members are ignored. */
gboolean meeting_msg_parse (MeetingMsg *msg, MeetingDirection dir,
    const gchar *text, gsize len, const gchar **why);

/* The JSON text of msg (newly allocated; NULL for MEETING_MSG_NONE). */
gchar *meeting_msg_serialize (const MeetingMsg *msg);

/* Frees what msg holds and zeroes it. */
void meeting_msg_clear (MeetingMsg *msg);

void meeting_stream_info_clear (MeetingStreamInfo *st);
void meeting_stream_info_copy (
    MeetingStreamInfo *dst, const MeetingStreamInfo *src);

/* wire name of a type ("join", "board", ...) */
const gchar *meeting_msg_type_name (MeetingMsgType type);

/* kinds: "audio" -> MEETING_KIND_AUDIO, ...; 0 if unknown */
guint meeting_kind_from_string (const gchar *s);
const gchar *meeting_kind_to_string (guint kind);

/* token charsets */
gboolean meeting_proto_stream_id_valid (const gchar *s);
gboolean meeting_proto_slot_valid (const gchar *s);

/* Small builders for the common cases (newly allocated JSON text). */
gchar *meeting_msg_error_text (const gchar *code, const gchar *message);
gchar *meeting_msg_simple_text (MeetingMsgType type);
gchar *meeting_msg_ice_text (const gchar *ufrag, const gchar *pwd);
gchar *meeting_msg_candidate_text (const gchar *line);
gchar *meeting_msg_presence_text (MeetingMsgType type, const gchar *id,
    const gchar *name, const gchar *reason);
gchar *meeting_msg_stream_text (
    MeetingMsgType type, const MeetingStreamInfo *st);
gchar *meeting_msg_board_text (
    guint64 seq, const gchar *from, const gchar *data, const gchar *slot);

G_END_DECLS

#endif /* __MEETING_PROTO_H__ */
