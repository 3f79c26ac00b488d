/* The settings meetingsink and meetingsrc share.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmeetingsettings.h"

#include <string.h>

#define DEFAULT_RECONNECT_TIMEOUT 30

void
gst_meeting_settings_install (GObjectClass *klass)
{
  const GParamFlags rw =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY;

  g_object_class_install_property (klass, GST_MEETING_PROP_URI,
      g_param_spec_string ("uri", "URI",
          "The meeting: ws://HOST:PORT/ROOM or wss://HOST:PORT/ROOM (unset: "
          "the session of the pipeline's other meeting element)",
          NULL, rw));
  g_object_class_install_property (klass, GST_MEETING_PROP_PARTICIPANT,
      g_param_spec_string ("participant", "Participant",
          "Display name in the meeting; also names this participant's pads "
          "at the others (default: the user name)",
          NULL, rw));
  g_object_class_install_property (klass, GST_MEETING_PROP_PASSCODE,
      g_param_spec_string ("passcode", "Passcode",
          "Passcode of the room, if it has one (reads back as ********)", NULL,
          rw));
  g_object_class_install_property (klass, GST_MEETING_PROP_RECONNECT_TIMEOUT,
      g_param_spec_uint ("reconnect-timeout", "Reconnect timeout",
          "Seconds to keep trying to get back into the meeting after the "
          "server or the network went away (0: give up at once)",
          0, 3600, DEFAULT_RECONNECT_TIMEOUT, rw | GST_PARAM_DOC_SHOW_DEFAULT));
  g_object_class_install_property (klass, GST_MEETING_PROP_TLS_CA_FILE,
      g_param_spec_string ("tls-ca-file", "TLS CA file",
          "PEM file of the CAs that wss:// servers are checked against "
          "(unset: the system's)",
          NULL, rw));
}

void
gst_meeting_settings_init (GstMeetingSettings *s)
{
  memset (s, 0, sizeof (*s));
  s->reconnect_timeout = DEFAULT_RECONNECT_TIMEOUT;
}

void
gst_meeting_settings_clear (GstMeetingSettings *s)
{
  g_free (s->uri);
  g_free (s->participant);
  g_free (s->passcode);
  g_free (s->tls_ca_file);
  memset (s, 0, sizeof (*s));
}

static void
replace (gchar **field, const GValue *value)
{
  g_free (*field);
  *field = g_value_dup_string (value);
}

gboolean
gst_meeting_settings_set_property (
    GstMeetingSettings *s, guint prop_id, const GValue *value)
{
  switch (prop_id) {
    case GST_MEETING_PROP_URI:
      replace (&s->uri, value);
      return TRUE;
    case GST_MEETING_PROP_PARTICIPANT:
      replace (&s->participant, value);
      return TRUE;
    case GST_MEETING_PROP_PASSCODE:
      replace (&s->passcode, value);
      return TRUE;
    case GST_MEETING_PROP_RECONNECT_TIMEOUT:
      s->reconnect_timeout = g_value_get_uint (value);
      return TRUE;
    case GST_MEETING_PROP_TLS_CA_FILE:
      replace (&s->tls_ca_file, value);
      return TRUE;
    default:
      return FALSE;
  }
}

gboolean
gst_meeting_settings_get_property (
    GstMeetingSettings *s, guint prop_id, GValue *value)
{
  switch (prop_id) {
    case GST_MEETING_PROP_URI:
      g_value_set_string (value, s->uri);
      return TRUE;
    case GST_MEETING_PROP_PARTICIPANT:
      g_value_set_string (value, s->participant);
      return TRUE;
    case GST_MEETING_PROP_PASSCODE:
      g_value_set_string (value, s->passcode ? "********" : NULL);
      return TRUE;
    case GST_MEETING_PROP_RECONNECT_TIMEOUT:
      g_value_set_uint (value, s->reconnect_timeout);
      return TRUE;
    case GST_MEETING_PROP_TLS_CA_FILE:
      g_value_set_string (value, s->tls_ca_file);
      return TRUE;
    default:
      return FALSE;
  }
}

GstMeetingSession *
gst_meeting_settings_acquire (
    GstElement *element, GstMeetingSettings *s, gboolean *deferred)
{
  GstMeetingSessionConfig cfg = { 0 };
  GstMeetingSettings copy;
  GstMeetingSession *session;
  GError *err = NULL;

  /* a copy: acquiring looks at the element's parents (their locks) */
  GST_OBJECT_LOCK (element);
  copy.uri = g_strdup (s->uri);
  copy.participant = g_strdup (s->participant);
  copy.passcode = g_strdup (s->passcode);
  copy.tls_ca_file = g_strdup (s->tls_ca_file);
  copy.reconnect_timeout = s->reconnect_timeout;
  GST_OBJECT_UNLOCK (element);
  cfg.uri = copy.uri;
  cfg.participant = copy.participant;
  cfg.passcode = copy.passcode;
  cfg.reconnect_timeout = copy.reconnect_timeout;
  cfg.tls_ca_file = copy.tls_ca_file;
  session = gst_meeting_session_acquire (element, &cfg, &err);
  if (deferred)
    *deferred = !session && !cfg.uri;
  gst_meeting_settings_clear (&copy);
  if (session)
    return session;
  if (deferred && *deferred)
    GST_DEBUG_OBJECT (
        element, "no session yet (%s): asking again later", err->message);
  else
    GST_ELEMENT_ERROR (
        element, RESOURCE, SETTINGS, ("%s", err->message), (NULL));
  g_error_free (err);
  return NULL;
}
