/* The meeting signaling protocol: typed messages, parse and serialize
 * (docs/protocol.md part 2). GLib and json-glib only.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>

#include <json-glib/json-glib.h>

#include "meetingproto.h"

static const gchar *const type_names[] = {
  [MEETING_MSG_NONE] = NULL,
  [MEETING_MSG_ICE] = "ice",
  [MEETING_MSG_CANDIDATE] = "candidate",
  [MEETING_MSG_END_OF_CANDIDATES] = "end-of-candidates",
  [MEETING_MSG_JOIN] = "join",
  [MEETING_MSG_PUBLISH] = "publish",
  [MEETING_MSG_UNPUBLISH] = "unpublish",
  [MEETING_MSG_SUBSCRIBE] = "subscribe",
  [MEETING_MSG_BOARD_POST] = "board",
  [MEETING_MSG_PING] = "ping",
  [MEETING_MSG_LEAVE] = "leave",
  [MEETING_MSG_WELCOME] = "welcome",
  [MEETING_MSG_JOINED] = "joined",
  [MEETING_MSG_LEFT] = "left",
  [MEETING_MSG_STREAM] = "stream",
  [MEETING_MSG_STREAM_REMOVED] = "stream-removed",
  [MEETING_MSG_PUBLISHED] = "published",
  [MEETING_MSG_BOARD] = "board",
  [MEETING_MSG_PONG] = "pong",
  [MEETING_MSG_ERROR] = "error",
};

const gchar *
meeting_msg_type_name (MeetingMsgType type)
{
  if ((guint)type >= G_N_ELEMENTS (type_names))
    return NULL;
  return type_names[type];
}

static MeetingMsgType
type_from_name (const gchar *t, MeetingDirection dir)
{
  static const MeetingMsgType to_server[] = { MEETING_MSG_ICE,
    MEETING_MSG_CANDIDATE, MEETING_MSG_END_OF_CANDIDATES, MEETING_MSG_JOIN,
    MEETING_MSG_PUBLISH, MEETING_MSG_UNPUBLISH, MEETING_MSG_SUBSCRIBE,
    MEETING_MSG_BOARD_POST, MEETING_MSG_PING, MEETING_MSG_LEAVE };
  static const MeetingMsgType to_client[] = { MEETING_MSG_ICE,
    MEETING_MSG_CANDIDATE, MEETING_MSG_END_OF_CANDIDATES, MEETING_MSG_WELCOME,
    MEETING_MSG_JOINED, MEETING_MSG_LEFT, MEETING_MSG_STREAM,
    MEETING_MSG_STREAM_REMOVED, MEETING_MSG_PUBLISHED, MEETING_MSG_BOARD,
    MEETING_MSG_PONG, MEETING_MSG_ERROR };
  const MeetingMsgType *v = dir == MEETING_TO_SERVER ? to_server : to_client;
  guint n = dir == MEETING_TO_SERVER ? G_N_ELEMENTS (to_server)
                                     : G_N_ELEMENTS (to_client);

  for (guint i = 0; i < n; i++)
    if (g_str_equal (t, type_names[v[i]]))
      return v[i];
  return MEETING_MSG_NONE;
}

guint
meeting_kind_from_string (const gchar *s)
{
  if (!g_strcmp0 (s, "audio"))
    return MEETING_KIND_AUDIO;
  if (!g_strcmp0 (s, "video"))
    return MEETING_KIND_VIDEO;
  if (!g_strcmp0 (s, "screen"))
    return MEETING_KIND_SCREEN;
  return 0;
}

const gchar *
meeting_kind_to_string (guint kind)
{
  switch (kind) {
    case MEETING_KIND_AUDIO:
      return "audio";
    case MEETING_KIND_VIDEO:
      return "video";
    case MEETING_KIND_SCREEN:
      return "screen";
    default:
      return NULL;
  }
}

gboolean
meeting_proto_stream_id_valid (const gchar *s)
{
  gsize n = 0;

  if (!s)
    return FALSE;
  for (; *s; s++, n++)
    if (!g_ascii_isalnum (*s) && *s != '_' && *s != '-')
      return FALSE;
  return n >= 1 && n <= MEETING_PROTO_MAX_STREAM_ID;
}

gboolean
meeting_proto_slot_valid (const gchar *s)
{
  gsize n = 0;

  if (!s)
    return FALSE;
  for (; *s; s++, n++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
      return FALSE;
  return n >= 1 && n <= MEETING_PROTO_MAX_SLOT;
}

/* ------------------------------------------------------------ members */

static const gchar *
get_str (JsonObject *o, const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* a string of min..max bytes, or NULL */
static const gchar *
get_str_len (JsonObject *o, const gchar *name, gsize min, gsize max)
{
  const gchar *s = get_str (o, name);
  gsize n = s ? strlen (s) : 0;

  return s && n >= min && n <= max ? s : NULL;
}

static gboolean
get_int (JsonObject *o, const gchar *name, gint64 *v)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  *v = json_node_get_int (n);
  return TRUE;
}

static gboolean
get_bool (JsonObject *o, const gchar *name, gboolean dflt)
{
  JsonNode *n = json_object_get_member (o, name);

  if (!n || !JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return dflt;
  return json_node_get_boolean (n);
}

static JsonArray *
get_array (JsonObject *o, const gchar *name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

/* ------------------------------------------------------------- parse */

void
meeting_stream_info_clear (MeetingStreamInfo *st)
{
  g_free (st->from);
  g_free (st->name);
  g_free (st->stream);
  g_free (st->caps);
  memset (st, 0, sizeof (*st));
}

void
meeting_stream_info_copy (MeetingStreamInfo *dst, const MeetingStreamInfo *src)
{
  dst->from = g_strdup (src->from);
  dst->name = g_strdup (src->name);
  dst->stream = g_strdup (src->stream);
  dst->kind = src->kind;
  dst->ssrc = src->ssrc;
  dst->caps = g_strdup (src->caps);
  dst->e2ee = src->e2ee;
}

static gboolean
caps_ok (const gchar *caps)
{
  return caps && strlen (caps) <= MEETING_PROTO_MAX_CAPS &&
      g_str_has_prefix (caps, MEETING_PROTO_CAPS_PREFIX);
}

/* publish (to the server) and stream / welcome entries (to a client) */
static gboolean
parse_stream (MeetingStreamInfo *st, JsonObject *o, gboolean with_publisher)
{
  const gchar *stream = get_str (o, "stream"), *caps = get_str (o, "caps");
  const gchar *from = NULL, *name = NULL;
  guint kind = meeting_kind_from_string (get_str (o, "kind"));
  gint64 ssrc;

  if (with_publisher) {
    from = get_str_len (o, "from", 1, MEETING_PROTO_MAX_ID);
    name = get_str_len (o, "name", 1, MEETING_PROTO_MAX_NAME);
    if (!from || !name)
      return FALSE;
  }
  if (!meeting_proto_stream_id_valid (stream) || !kind ||
      !get_int (o, "ssrc", &ssrc) || ssrc < 0 || ssrc > G_MAXUINT32 ||
      !caps_ok (caps))
    return FALSE;
  st->from = g_strdup (from);
  st->name = g_strdup (name);
  st->stream = g_strdup (stream);
  st->kind = kind;
  st->ssrc = (guint32)ssrc;
  st->caps = g_strdup (caps);
  st->e2ee = get_bool (o, "e2ee", FALSE);
  return TRUE;
}

static gboolean
parse_subscribe (MeetingMsg *m, JsonObject *o)
{
  JsonNode *kn = json_object_get_member (o, "kinds");
  JsonNode *nn = json_object_get_member (o, "names");
  guint kinds = MEETING_KIND_ALL;
  GPtrArray *names = NULL;

  if ((kn && !JSON_NODE_HOLDS_ARRAY (kn)) ||
      (nn && !JSON_NODE_HOLDS_ARRAY (nn)))
    return FALSE;
  if (kn) {
    JsonArray *a = json_node_get_array (kn);
    kinds = 0;
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonNode *e = json_array_get_element (a, i);
      guint k = JSON_NODE_HOLDS_VALUE (e) &&
              json_node_get_value_type (e) == G_TYPE_STRING
          ? meeting_kind_from_string (json_node_get_string (e))
          : 0;
      if (!k)
        return FALSE;
      kinds |= k;
    }
  }
  if (nn) {
    JsonArray *a = json_node_get_array (nn);
    if (json_array_get_length (a) > MEETING_PROTO_MAX_SUB_NAMES)
      return FALSE;
    names = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 0; i < json_array_get_length (a); i++) {
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_VALUE (e) ||
          json_node_get_value_type (e) != G_TYPE_STRING ||
          strlen (json_node_get_string (e)) > MEETING_PROTO_MAX_NAME) {
        g_ptr_array_unref (names);
        return FALSE;
      }
      g_ptr_array_add (names, g_strdup (json_node_get_string (e)));
    }
    g_ptr_array_add (names, NULL);
  }
  m->u.subscribe.kinds = kinds;
  m->u.subscribe.names = names ? (GStrv)g_ptr_array_free (names, FALSE) : NULL;
  return TRUE;
}

/* data (base64 of at least one byte) and an optional slot */
static gboolean
parse_board (MeetingMsg *m, JsonObject *o, const gchar **why)
{
  const gchar *data = get_str (o, "data"), *slot = get_str (o, "slot");
  gsize n = 0;

  if (!data) {
    *why = "board needs base64 data";
    return FALSE;
  }
  if (json_object_has_member (o, "slot") && !meeting_proto_slot_valid (slot)) {
    *why = "a board slot is 1 to 32 characters of [a-z0-9-]";
    return FALSE;
  }
  g_free (g_base64_decode (data, &n));
  if (n == 0) {
    *why = "board data is not base64";
    return FALSE;
  }
  m->u.board.data = g_strdup (data);
  m->u.board.slot = g_strdup (slot);
  return TRUE;
}

static gboolean
parse_welcome (MeetingMsg *m, JsonObject *o)
{
  const gchar *id = get_str_len (o, "id", 1, MEETING_PROTO_MAX_ID);
  const gchar *instance = get_str_len (o, "instance", 1, MEETING_PROTO_MAX_ID);
  JsonArray *roster = get_array (o, "roster");
  JsonArray *streams = get_array (o, "streams");
  guint nr = roster ? json_array_get_length (roster) : 0;
  guint ns = streams ? json_array_get_length (streams) : 0;

  if (!id || !instance || nr > MEETING_PROTO_MAX_LIST ||
      ns > MEETING_PROTO_MAX_LIST)
    return FALSE;
  if (!get_int (o, "version", &m->u.welcome.version))
    m->u.welcome.version = MEETING_PROTO_VERSION;
  m->u.welcome.id = g_strdup (id);
  m->u.welcome.instance = g_strdup (instance);
  m->u.welcome.room = g_strdup (get_str_len (o, "room", 0, 4096));
  /* malformed entries are left out, the others kept */
  m->u.welcome.roster = g_new0 (MeetingPeerInfo, nr + 1);
  for (guint i = 0; i < nr; i++) {
    JsonNode *e = json_array_get_element (roster, i);
    JsonObject *eo =
        JSON_NODE_HOLDS_OBJECT (e) ? json_node_get_object (e) : NULL;
    const gchar *pid =
        eo ? get_str_len (eo, "id", 1, MEETING_PROTO_MAX_ID) : NULL;
    const gchar *pname =
        eo ? get_str_len (eo, "name", 1, MEETING_PROTO_MAX_NAME) : NULL;
    if (pid && pname) {
      MeetingPeerInfo *p = &m->u.welcome.roster[m->u.welcome.n_roster++];
      p->id = g_strdup (pid);
      p->name = g_strdup (pname);
    }
  }
  m->u.welcome.streams = g_new0 (MeetingStreamInfo, ns + 1);
  for (guint i = 0; i < ns; i++) {
    JsonNode *e = json_array_get_element (streams, i);
    if (JSON_NODE_HOLDS_OBJECT (e) &&
        parse_stream (&m->u.welcome.streams[m->u.welcome.n_streams],
            json_node_get_object (e), TRUE))
      m->u.welcome.n_streams++;
  }
  return TRUE;
}

static gboolean
parse_object (
    MeetingMsg *m, MeetingDirection dir, JsonObject *o, const gchar **why)
{
  switch (m->type) {
    case MEETING_MSG_JOIN:
      m->u.join.name =
          g_strdup (get_str_len (o, "name", 1, MEETING_PROTO_MAX_NAME));
      m->u.join.passcode = g_strdup (get_str (o, "passcode"));
      m->u.join.receive = get_bool (o, "receive", TRUE);
      *why = "join needs a name of 1 to 128 bytes";
      return m->u.join.name != NULL;
    case MEETING_MSG_ICE: {
      const gchar *ufrag = get_str_len (
          o, "ufrag", MEETING_PROTO_MIN_UFRAG, MEETING_PROTO_MAX_CREDENTIAL);
      const gchar *pwd = get_str_len (
          o, "pwd", MEETING_PROTO_MIN_PWD, MEETING_PROTO_MAX_CREDENTIAL);
      *why = "ice needs ufrag (4-256 chars) and pwd (22-256 chars)";
      if (!ufrag || !pwd)
        return FALSE;
      m->u.ice.ufrag = g_strdup (ufrag);
      m->u.ice.pwd = g_strdup (pwd);
      return TRUE;
    }
    case MEETING_MSG_CANDIDATE:
      m->u.candidate.line = g_strdup (
          get_str_len (o, "candidate", 1, MEETING_PROTO_MAX_CANDIDATE_LINE));
      *why = "candidate needs a candidate line";
      return m->u.candidate.line != NULL;
    case MEETING_MSG_PUBLISH:
      *why = "publish needs stream (1-64 of [A-Za-z0-9_-]), kind "
             "(audio|video|screen), ssrc (uint32), caps "
             "(application/x-rtp...) and e2ee";
      return parse_stream (&m->u.stream, o, FALSE);
    case MEETING_MSG_STREAM:
      *why = "stream needs from, name, stream, kind, ssrc and caps";
      return parse_stream (&m->u.stream, o, TRUE);
    case MEETING_MSG_STREAM_REMOVED:
    case MEETING_MSG_PUBLISHED: {
      const gchar *from = get_str_len (o, "from", 1, MEETING_PROTO_MAX_ID);
      const gchar *stream = get_str (o, "stream");
      gint64 ssrc = 0;
      *why = "needs from, stream and ssrc";
      if (!from || !meeting_proto_stream_id_valid (stream) ||
          !get_int (o, "ssrc", &ssrc) || ssrc < 0 || ssrc > G_MAXUINT32)
        return FALSE;
      /* the rest as in `stream`, where present and well formed */
      m->u.stream.from = g_strdup (from);
      m->u.stream.stream = g_strdup (stream);
      m->u.stream.ssrc = (guint32)ssrc;
      m->u.stream.name =
          g_strdup (get_str_len (o, "name", 1, MEETING_PROTO_MAX_NAME));
      m->u.stream.kind = meeting_kind_from_string (get_str (o, "kind"));
      if (caps_ok (get_str (o, "caps")))
        m->u.stream.caps = g_strdup (get_str (o, "caps"));
      m->u.stream.e2ee = get_bool (o, "e2ee", FALSE);
      return TRUE;
    }
    case MEETING_MSG_UNPUBLISH:
      m->u.unpublish.stream = g_strdup (get_str (o, "stream"));
      *why = "no such stream";
      return meeting_proto_stream_id_valid (m->u.unpublish.stream);
    case MEETING_MSG_SUBSCRIBE:
      *why = "subscribe takes kinds (audio, video, screen) and names (up to "
             "64 strings), both optional arrays";
      return parse_subscribe (m, o);
    case MEETING_MSG_BOARD_POST:
      return parse_board (m, o, why);
    case MEETING_MSG_BOARD: {
      gint64 seq = 0;
      if (!parse_board (m, o, why))
        return FALSE;
      *why = "board needs seq";
      if (!get_int (o, "seq", &seq) || seq < 0)
        return FALSE;
      m->u.board.seq = (guint64)seq;
      m->u.board.from =
          g_strdup (get_str_len (o, "from", 1, MEETING_PROTO_MAX_ID));
      return TRUE;
    }
    case MEETING_MSG_WELCOME:
      *why = "malformed welcome";
      return parse_welcome (m, o);
    case MEETING_MSG_JOINED:
    case MEETING_MSG_LEFT:
      m->u.presence.id =
          g_strdup (get_str_len (o, "id", 1, MEETING_PROTO_MAX_ID));
      m->u.presence.name =
          g_strdup (get_str_len (o, "name", 1, MEETING_PROTO_MAX_NAME));
      if (m->type == MEETING_MSG_LEFT)
        m->u.presence.reason =
            g_strdup (get_str_len (o, "reason", 1, MEETING_PROTO_MAX_ID));
      *why = "needs id and name";
      return m->u.presence.id && m->u.presence.name;
    case MEETING_MSG_ERROR:
      m->u.error.code =
          g_strdup (get_str_len (o, "code", 1, MEETING_PROTO_MAX_ID));
      m->u.error.message =
          g_strdup (get_str_len (o, "message", 0, MEETING_PROTO_MAX_TEXT));
      if (!m->u.error.message)
        m->u.error.message = g_strdup ("");
      *why = "error needs a code";
      return m->u.error.code != NULL;
    case MEETING_MSG_END_OF_CANDIDATES:
    case MEETING_MSG_PING:
    case MEETING_MSG_LEAVE:
    case MEETING_MSG_PONG:
      return TRUE;
    case MEETING_MSG_NONE:
    default:
      *why = "unknown message type";
      return FALSE;
  }
}

gboolean
meeting_msg_parse (MeetingMsg *m, MeetingDirection dir, const gchar *text,
    gsize len, const gchar **why)
{
  JsonParser *p;
  JsonNode *root;
  JsonObject *o;
  const gchar *t;
  const gchar *dummy;
  gboolean ok;

  memset (m, 0, sizeof (*m));
  if (!why)
    why = &dummy;
  if (!text || len == 0) {
    *why = "empty message";
    return FALSE;
  }
  p = json_parser_new ();
  if (!json_parser_load_from_data (p, text, (gssize)len, NULL)) {
    *why = "not JSON";
    g_object_unref (p);
    return FALSE;
  }
  root = json_parser_get_root (p);
  if (!root || !JSON_NODE_HOLDS_OBJECT (root) ||
      !(t = get_str (json_node_get_object (root), "type"))) {
    *why = "a message is an object with a type";
    g_object_unref (p);
    return FALSE;
  }
  o = json_node_get_object (root);
  m->type = type_from_name (t, dir);
  if (m->type == MEETING_MSG_NONE) {
    *why = "unknown message type";
    g_object_unref (p);
    return FALSE;
  }
  ok = parse_object (m, dir, o, why);
  if (!ok) {
    /* the type stays known: callers order errors (not-joined first) */
    MeetingMsgType type = m->type;
    meeting_msg_clear (m);
    m->type = type;
  }
  g_object_unref (p);
  return ok;
}

void
meeting_msg_clear (MeetingMsg *m)
{
  switch (m->type) {
    case MEETING_MSG_JOIN:
      g_free (m->u.join.name);
      g_free (m->u.join.passcode);
      break;
    case MEETING_MSG_ICE:
      g_free (m->u.ice.ufrag);
      g_free (m->u.ice.pwd);
      break;
    case MEETING_MSG_CANDIDATE:
      g_free (m->u.candidate.line);
      break;
    case MEETING_MSG_PUBLISH:
    case MEETING_MSG_STREAM:
    case MEETING_MSG_STREAM_REMOVED:
    case MEETING_MSG_PUBLISHED:
      meeting_stream_info_clear (&m->u.stream);
      break;
    case MEETING_MSG_UNPUBLISH:
      g_free (m->u.unpublish.stream);
      break;
    case MEETING_MSG_SUBSCRIBE:
      g_strfreev (m->u.subscribe.names);
      break;
    case MEETING_MSG_BOARD_POST:
    case MEETING_MSG_BOARD:
      g_free (m->u.board.from);
      g_free (m->u.board.data);
      g_free (m->u.board.slot);
      break;
    case MEETING_MSG_WELCOME:
      g_free (m->u.welcome.id);
      g_free (m->u.welcome.room);
      g_free (m->u.welcome.instance);
      for (guint i = 0; i < m->u.welcome.n_roster; i++) {
        g_free (m->u.welcome.roster[i].id);
        g_free (m->u.welcome.roster[i].name);
      }
      g_free (m->u.welcome.roster);
      for (guint i = 0; i < m->u.welcome.n_streams; i++)
        meeting_stream_info_clear (&m->u.welcome.streams[i]);
      g_free (m->u.welcome.streams);
      break;
    case MEETING_MSG_JOINED:
    case MEETING_MSG_LEFT:
      g_free (m->u.presence.id);
      g_free (m->u.presence.name);
      g_free (m->u.presence.reason);
      break;
    case MEETING_MSG_ERROR:
      g_free (m->u.error.code);
      g_free (m->u.error.message);
      break;
    default:
      break;
  }
  memset (m, 0, sizeof (*m));
}

/* --------------------------------------------------------- serialize */

static void
add_str (JsonBuilder *b, const gchar *name, const gchar *v)
{
  if (!v)
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, v);
}

static void
add_stream (JsonBuilder *b, const MeetingStreamInfo *st)
{
  add_str (b, "from", st->from);
  add_str (b, "name", st->name);
  add_str (b, "stream", st->stream);
  add_str (b, "kind", meeting_kind_to_string (st->kind));
  json_builder_set_member_name (b, "ssrc");
  json_builder_add_int_value (b, st->ssrc);
  add_str (b, "caps", st->caps);
  json_builder_set_member_name (b, "e2ee");
  json_builder_add_boolean_value (b, st->e2ee);
}

gchar *
meeting_msg_serialize (const MeetingMsg *m)
{
  const gchar *type = meeting_msg_type_name (m->type);
  JsonBuilder *b;
  JsonGenerator *g;
  JsonNode *root;
  gchar *s;

  if (!type)
    return NULL;
  b = json_builder_new ();
  json_builder_begin_object (b);
  add_str (b, "type", type);
  switch (m->type) {
    case MEETING_MSG_JOIN:
      add_str (b, "name", m->u.join.name);
      add_str (b, "passcode", m->u.join.passcode);
      json_builder_set_member_name (b, "receive");
      json_builder_add_boolean_value (b, m->u.join.receive);
      break;
    case MEETING_MSG_ICE:
      add_str (b, "ufrag", m->u.ice.ufrag);
      add_str (b, "pwd", m->u.ice.pwd);
      break;
    case MEETING_MSG_CANDIDATE:
      add_str (b, "candidate", m->u.candidate.line);
      break;
    case MEETING_MSG_PUBLISH:
    case MEETING_MSG_STREAM:
    case MEETING_MSG_STREAM_REMOVED:
    case MEETING_MSG_PUBLISHED:
      add_stream (b, &m->u.stream);
      break;
    case MEETING_MSG_UNPUBLISH:
      add_str (b, "stream", m->u.unpublish.stream);
      break;
    case MEETING_MSG_SUBSCRIBE:
      if (m->u.subscribe.kinds != MEETING_KIND_ALL) {
        json_builder_set_member_name (b, "kinds");
        json_builder_begin_array (b);
        for (guint k = 1; k <= MEETING_KIND_SCREEN; k <<= 1)
          if (m->u.subscribe.kinds & k)
            json_builder_add_string_value (b, meeting_kind_to_string (k));
        json_builder_end_array (b);
      }
      if (m->u.subscribe.names) {
        json_builder_set_member_name (b, "names");
        json_builder_begin_array (b);
        for (guint i = 0; m->u.subscribe.names[i]; i++)
          json_builder_add_string_value (b, m->u.subscribe.names[i]);
        json_builder_end_array (b);
      }
      break;
    case MEETING_MSG_BOARD:
      json_builder_set_member_name (b, "seq");
      json_builder_add_int_value (b, (gint64)m->u.board.seq);
      add_str (b, "from", m->u.board.from);
      /* fall through */
    case MEETING_MSG_BOARD_POST:
      add_str (b, "data", m->u.board.data);
      add_str (b, "slot", m->u.board.slot);
      break;
    case MEETING_MSG_WELCOME:
      json_builder_set_member_name (b, "version");
      json_builder_add_int_value (b, m->u.welcome.version);
      add_str (b, "id", m->u.welcome.id);
      add_str (b, "room", m->u.welcome.room);
      add_str (b, "instance", m->u.welcome.instance);
      json_builder_set_member_name (b, "roster");
      json_builder_begin_array (b);
      for (guint i = 0; i < m->u.welcome.n_roster; i++) {
        json_builder_begin_object (b);
        add_str (b, "id", m->u.welcome.roster[i].id);
        add_str (b, "name", m->u.welcome.roster[i].name);
        json_builder_end_object (b);
      }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "streams");
      json_builder_begin_array (b);
      for (guint i = 0; i < m->u.welcome.n_streams; i++) {
        json_builder_begin_object (b);
        add_stream (b, &m->u.welcome.streams[i]);
        json_builder_end_object (b);
      }
      json_builder_end_array (b);
      break;
    case MEETING_MSG_JOINED:
    case MEETING_MSG_LEFT:
      add_str (b, "id", m->u.presence.id);
      add_str (b, "name", m->u.presence.name);
      add_str (b, "reason", m->u.presence.reason);
      break;
    case MEETING_MSG_ERROR:
      add_str (b, "code", m->u.error.code);
      add_str (b, "message", m->u.error.message);
      break;
    default:
      break;
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  g = json_generator_new ();
  json_generator_set_root (g, root);
  s = json_generator_to_data (g, NULL);
  json_node_unref (root);
  g_object_unref (g);
  g_object_unref (b);
  return s;
}

/* ---------------------------------------------------------- builders */

gchar *
meeting_msg_error_text (const gchar *code, const gchar *message)
{
  MeetingMsg m = { .type = MEETING_MSG_ERROR };

  m.u.error.code = (gchar *)code;
  m.u.error.message = (gchar *)message;
  return meeting_msg_serialize (&m);
}

gchar *
meeting_msg_simple_text (MeetingMsgType type)
{
  MeetingMsg m = { .type = type };

  g_return_val_if_fail (type == MEETING_MSG_PING || type == MEETING_MSG_PONG ||
          type == MEETING_MSG_LEAVE || type == MEETING_MSG_END_OF_CANDIDATES,
      NULL);
  return meeting_msg_serialize (&m);
}

gchar *
meeting_msg_ice_text (const gchar *ufrag, const gchar *pwd)
{
  MeetingMsg m = { .type = MEETING_MSG_ICE };

  m.u.ice.ufrag = (gchar *)ufrag;
  m.u.ice.pwd = (gchar *)pwd;
  return meeting_msg_serialize (&m);
}

gchar *
meeting_msg_candidate_text (const gchar *line)
{
  MeetingMsg m = { .type = MEETING_MSG_CANDIDATE };

  m.u.candidate.line = (gchar *)line;
  return meeting_msg_serialize (&m);
}

gchar *
meeting_msg_presence_text (MeetingMsgType type, const gchar *id,
    const gchar *name, const gchar *reason)
{
  MeetingMsg m = { .type = type };

  g_return_val_if_fail (
      type == MEETING_MSG_JOINED || type == MEETING_MSG_LEFT, NULL);
  m.u.presence.id = (gchar *)id;
  m.u.presence.name = (gchar *)name;
  m.u.presence.reason = (gchar *)reason;
  return meeting_msg_serialize (&m);
}

gchar *
meeting_msg_stream_text (MeetingMsgType type, const MeetingStreamInfo *st)
{
  MeetingMsg m = { .type = type };

  g_return_val_if_fail (type == MEETING_MSG_PUBLISH ||
          type == MEETING_MSG_STREAM || type == MEETING_MSG_STREAM_REMOVED ||
          type == MEETING_MSG_PUBLISHED,
      NULL);
  m.u.stream = *st;
  return meeting_msg_serialize (&m);
}

gchar *
meeting_msg_board_text (
    guint64 seq, const gchar *from, const gchar *data, const gchar *slot)
{
  MeetingMsg m = { .type = from ? MEETING_MSG_BOARD : MEETING_MSG_BOARD_POST };

  m.u.board.seq = seq;
  m.u.board.from = (gchar *)from;
  m.u.board.data = (gchar *)data;
  m.u.board.slot = (gchar *)slot;
  return meeting_msg_serialize (&m);
}
