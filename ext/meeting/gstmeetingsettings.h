/* The settings meetingsink and meetingsrc share: the meeting's URI, the
 * participant, and how to reach and keep the meeting.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_MEETING_SETTINGS_H__
#define __GST_MEETING_SETTINGS_H__

#include <gst/gst.h>

#include "gstmeetingsession.h"

G_BEGIN_DECLS

/* Property ids 1..5 on both elements; their own start at
 * GST_MEETING_PROP_LAST. */
enum
{
  GST_MEETING_PROP_URI = 1,
  GST_MEETING_PROP_PARTICIPANT,
  GST_MEETING_PROP_PASSCODE,
  GST_MEETING_PROP_RECONNECT_TIMEOUT,
  GST_MEETING_PROP_TLS_CA_FILE,
  GST_MEETING_PROP_LAST
};

typedef struct
{
  gchar *uri;
  gchar *participant;
  gchar *passcode;
  guint reconnect_timeout;
  gchar *tls_ca_file;
} GstMeetingSettings;

void gst_meeting_settings_install (GObjectClass *klass);
void gst_meeting_settings_init (GstMeetingSettings *settings);
void gst_meeting_settings_clear (GstMeetingSettings *settings);
/* Under the element's object lock; FALSE for a property not of these. */
gboolean gst_meeting_settings_set_property (
    GstMeetingSettings *settings, guint prop_id, const GValue *value);
gboolean gst_meeting_settings_get_property (
    GstMeetingSettings *settings, guint prop_id, GValue *value);
/* The element's session; posts an error and returns NULL if the settings
 * are unusable.  With deferred (NULL→READY): an element without a uri
 * whose sibling with one has not reached READY yet returns NULL with
 * *deferred set and no error, and asks again at READY→PAUSED (by then
 * every element of the pipeline is in READY: the ordering care of the
 * keyring); deferred NULL: no deferring. */
GstMeetingSession *gst_meeting_settings_acquire (
    GstElement *element, GstMeetingSettings *settings, gboolean *deferred);

G_END_DECLS

#endif /* __GST_MEETING_SETTINGS_H__ */
