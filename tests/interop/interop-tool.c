/* interop-tool: pushes length-prefixed records through e2eeenc or e2eedec.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SFrame interop test (run-interop.py) drives the elements with this:
 *
 *   interop-tool --element e2eedec --caps 'application/x-rtp,...' \
 *       --input in.rec --output out.rec -p key=0011... -p cipher-suite=...
 *
 * A record file is a sequence of (u32 big-endian length, bytes).  Every
 * input record becomes one buffer; every buffer that leaves the element is
 * written as one output record, in order.  After the last buffer an EOS is
 * sent.  On stdout the tool prints machine-readable lines:
 *
 *   caps=<the output caps>
 *   caps-match=yes|no            (with --expect-caps)
 *   stat.<field>=<value>         (every integer field of the stats)
 *   stat.kid.<kid>.<field>=<value>   (every integer field of kid-stats)
 *   stats=<the whole stats structure>
 *   drop-messages=<number of e2ee-drop element messages>
 *   in=<records pushed> out=<records written>
 *
 * Exit status: 0, or 1 on a usage, I/O or flow error or an error message
 * from the element.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gst/gst.h>
#include <gst/check/gstharness.h>

static gchar *opt_element;
static gchar *opt_caps;
static gchar *opt_expect_caps;
static gchar *opt_input;
static gchar *opt_output;
static gchar **opt_props;
static gboolean opt_list;

static GOptionEntry entries[] = {
  { "element", 'e', 0, G_OPTION_ARG_STRING, &opt_element,
      "Element factory (e2eeenc or e2eedec)", "NAME" },
  { "caps", 'c', 0, G_OPTION_ARG_STRING, &opt_caps, "Caps of the input buffers",
      "CAPS" },
  { "expect-caps", 0, 0, G_OPTION_ARG_STRING, &opt_expect_caps,
      "Compare the output caps with these (prints caps-match=yes|no)", "CAPS" },
  { "input", 'i', 0, G_OPTION_ARG_FILENAME, &opt_input, "Input record file",
      "FILE" },
  { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opt_output, "Output record file",
      "FILE" },
  { "property", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &opt_props,
      "Set an element property (repeatable)", "NAME=VALUE" },
  { "buffer-list", 'l', 0, G_OPTION_ARG_NONE, &opt_list,
      "Push all input buffers as one GstBufferList", NULL },
  { NULL }
};

static gboolean
read_records (const gchar *path, GPtrArray *out, GError **error)
{
  gchar *data;
  gsize len, pos = 0;

  if (!g_file_get_contents (path, &data, &len, error))
    return FALSE;
  while (pos < len) {
    guint32 n;
    if (len - pos < 4)
      goto truncated;
    n = (guint32)((guint8)data[pos]) << 24 | (guint8)data[pos + 1] << 16 |
        (guint8)data[pos + 2] << 8 | (guint8)data[pos + 3];
    pos += 4;
    if (len - pos < n)
      goto truncated;
    g_ptr_array_add (
        out, n ? gst_buffer_new_memdup (data + pos, n) : gst_buffer_new ());
    pos += n;
  }
  g_free (data);
  return TRUE;

truncated:
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
      "%s: truncated record at offset %" G_GSIZE_FORMAT, path, pos);
  g_free (data);
  return FALSE;
}

static gboolean
write_record (FILE *f, GstBuffer *buf)
{
  GstMapInfo map;
  guint8 hdr[4];
  gsize n = gst_buffer_get_size (buf);
  gboolean ok;

  hdr[0] = n >> 24;
  hdr[1] = n >> 16;
  hdr[2] = n >> 8;
  hdr[3] = n;
  if (fwrite (hdr, 1, 4, f) != 4)
    return FALSE;
  if (n == 0)
    return TRUE;
  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    return FALSE;
  ok = fwrite (map.data, 1, map.size, f) == map.size;
  gst_buffer_unmap (buf, &map);
  return ok;
}

static gboolean
print_int_field (GQuark field, const GValue *v, gpointer prefix)
{
  const gchar *name = g_quark_to_string (field);

  if (G_VALUE_HOLDS_UINT64 (v))
    g_print ("%s%s=%" G_GUINT64_FORMAT "\n", (const gchar *)prefix, name,
        g_value_get_uint64 (v));
  else if (G_VALUE_HOLDS_UINT (v))
    g_print ("%s%s=%u\n", (const gchar *)prefix, name, g_value_get_uint (v));
  else if (G_VALUE_HOLDS_INT (v))
    g_print ("%s%s=%d\n", (const gchar *)prefix, name, g_value_get_int (v));
  else if (G_VALUE_HOLDS_INT64 (v))
    g_print ("%s%s=%" G_GINT64_FORMAT "\n", (const gchar *)prefix, name,
        g_value_get_int64 (v));
  return TRUE;
}

static void
print_stats (GstElement *element)
{
  GstStructure *s = NULL;
  const GValue *keys;
  gchar *str;

  if (!g_object_class_find_property (G_OBJECT_GET_CLASS (element), "stats"))
    return;
  g_object_get (element, "stats", &s, NULL);
  if (!s)
    return;
  gst_structure_foreach (s, print_int_field, (gpointer) "stat.");
  keys = gst_structure_get_value (s, "keys");
  if (keys && GST_VALUE_HOLDS_ARRAY (keys)) {
    for (guint i = 0; i < gst_value_array_get_size (keys); i++) {
      const GValue *e = gst_value_array_get_value (keys, i);
      const GstStructure *ks;
      guint64 kid;
      gchar *prefix;
      if (!GST_VALUE_HOLDS_STRUCTURE (e))
        continue;
      ks = gst_value_get_structure (e);
      if (!gst_structure_get_uint64 (ks, "kid", &kid))
        continue;
      prefix = g_strdup_printf ("stat.kid.%" G_GUINT64_FORMAT ".", kid);
      gst_structure_foreach (ks, print_int_field, prefix);
      g_free (prefix);
    }
  }
  str = gst_structure_to_string (s);
  g_print ("stats=%s\n", str);
  g_free (str);
  gst_structure_free (s);
}

/* Counts e2ee-drop messages, reports errors; returns FALSE on an error. */
static gboolean
drain_bus (GstBus *bus, guint *drops)
{
  GstMessage *msg;
  gboolean ok = TRUE;

  while ((msg = gst_bus_pop (bus))) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *dbg = NULL;
      gst_message_parse_error (msg, &err, &dbg);
      g_printerr ("interop-tool: error from %s: %s (%s)\n",
          GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
          dbg ? dbg : "");
      g_error_free (err);
      g_free (dbg);
      ok = FALSE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
        gst_message_has_name (msg, "e2ee-drop")) {
      guint64 count = 1;
      gst_structure_get_uint64 (
          gst_message_get_structure (msg), "count", &count);
      *drops += count;
    }
    gst_message_unref (msg);
  }
  return ok;
}

int
main (int argc, char **argv)
{
  GOptionContext *ctx;
  GError *err = NULL;
  GPtrArray *in;
  GstElement *element;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *buf;
  GstCaps *caps;
  FILE *out;
  guint n_out = 0, drops = 0;
  gboolean ok = TRUE;
  GstFlowReturn flow = GST_FLOW_OK;

  ctx = g_option_context_new ("- push record files through e2eeenc/e2eedec");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("interop-tool: %s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  if (!opt_element || !opt_caps || !opt_input || !opt_output) {
    g_printerr ("interop-tool: --element, --caps, --input and --output are "
                "required\n");
    return 2;
  }

  in = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_buffer_unref);
  if (!read_records (opt_input, in, &err)) {
    g_printerr ("interop-tool: %s\n", err->message);
    return 1;
  }

  element = gst_element_factory_make (opt_element, NULL);
  if (!element) {
    g_printerr (
        "interop-tool: no element %s (GST_PLUGIN_PATH?)\n", opt_element);
    return 1;
  }
  gst_object_ref_sink (element);
  for (guint i = 0; opt_props && opt_props[i]; i++) {
    gchar **kv = g_strsplit (opt_props[i], "=", 2);
    if (!kv[0] || !kv[1] ||
        !g_object_class_find_property (G_OBJECT_GET_CLASS (element), kv[0])) {
      g_printerr ("interop-tool: bad property '%s'\n", opt_props[i]);
      return 2;
    }
    gst_util_set_object_arg (G_OBJECT (element), kv[0], kv[1]);
    g_strfreev (kv);
  }
  bus = gst_bus_new ();
  gst_element_set_bus (element, bus);

  /* takes the element to PLAYING */
  h = gst_harness_new_with_element (element, "sink", "src");
  gst_harness_set_src_caps_str (h, opt_caps);

  out = fopen (opt_output, "wb");
  if (!out) {
    g_printerr ("interop-tool: %s: %s\n", opt_output, g_strerror (errno));
    return 1;
  }

  if (opt_list) {
    GstBufferList *list = gst_buffer_list_new_sized (in->len);
    for (guint i = 0; i < in->len; i++)
      gst_buffer_list_add (list, gst_buffer_ref (g_ptr_array_index (in, i)));
    flow = gst_pad_push_list (h->srcpad, list);
  } else {
    for (guint i = 0; i < in->len && flow == GST_FLOW_OK; i++) {
      buf = gst_buffer_ref (g_ptr_array_index (in, i));
      GST_BUFFER_PTS (buf) = i * 10 * GST_MSECOND;
      flow = gst_harness_push (h, buf);
    }
  }
  if (flow != GST_FLOW_OK) {
    g_printerr ("interop-tool: push returned %s\n", gst_flow_get_name (flow));
    ok = FALSE;
  }
  gst_harness_push_event (h, gst_event_new_eos ());

  while ((buf = gst_harness_try_pull (h))) {
    if (!write_record (out, buf)) {
      g_printerr ("interop-tool: cannot write %s\n", opt_output);
      ok = FALSE;
    }
    n_out++;
    gst_buffer_unref (buf);
  }
  if (fclose (out) != 0)
    ok = FALSE;

  caps = gst_pad_get_current_caps (h->sinkpad);
  if (caps) {
    gchar *s = gst_caps_to_string (caps);
    g_print ("caps=%s\n", s);
    g_free (s);
  } else {
    g_print ("caps=\n");
  }
  if (opt_expect_caps) {
    GstCaps *want = gst_caps_from_string (opt_expect_caps);
    g_print ("caps-match=%s\n",
        caps && want && gst_caps_is_equal (caps, want) ? "yes" : "no");
    gst_clear_caps (&want);
  }
  gst_clear_caps (&caps);

  print_stats (element);
  if (!drain_bus (bus, &drops))
    ok = FALSE;
  g_print ("drop-messages=%u\n", drops);
  g_print ("in=%u out=%u\n", in->len, n_out);

  gst_harness_teardown (h);
  gst_element_set_bus (element, NULL);
  gst_object_unref (element);
  gst_object_unref (bus);
  g_ptr_array_unref (in);
  return ok ? 0 : 1;
}
