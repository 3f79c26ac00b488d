/* gst-meeting-server as a child process of a test: started, and its URL
 * read from its first line. GLib and GIO only, for the GstCheck tests
 * (elements/meeting-common.h) and the integration programs
 * (tests/integration/) alike; the callers assert in their own style.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SERVER_PROCESS_H__
#define __SERVER_PROCESS_H__

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <gio/gio.h>

/* The server must not outlive a test that failed half-way. */
static inline void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static inline GSubprocess *
spawn_server (GSubprocessFlags flags, const gchar *const *argv, GError **err)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (flags);
  GSubprocess *p;

  g_subprocess_launcher_set_child_setup (l, die_with_parent, NULL, NULL);
  p = g_subprocess_launcher_spawnv (l, argv, err);
  g_object_unref (l);
  return p;
}

/* The server's first line on its stdout (spawned with
 * G_SUBPROCESS_FLAGS_STDOUT_PIPE) is "listening on URL" once it is ready:
 * the URL (ws://HOST:PORT), or NULL if the line is missing or other (err
 * set if reading failed). The pipe is closed after it. */
static inline gchar *
server_read_url (GSubprocess *server, GError **err)
{
  GDataInputStream *in =
      g_data_input_stream_new (g_subprocess_get_stdout_pipe (server));
  gchar *line = g_data_input_stream_read_line (in, NULL, NULL, err);
  gchar *url = NULL;

  if (line && g_str_has_prefix (line, "listening on "))
    url = g_strdup (line + strlen ("listening on "));
  g_free (line);
  g_object_unref (in);
  return url;
}

#endif /* __SERVER_PROCESS_H__ */
