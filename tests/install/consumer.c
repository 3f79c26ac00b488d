/* A program built outside the tree against an installed libgste2ee-1.0,
 * with nothing but `pkg-config --cflags --libs gste2ee-1.0` (run by
 * install.sh): a keyring with a send key, and one SFrame round trip.
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/e2ee/gste2eekeyring.h>
#include <gst/e2ee/sframe.h>
#include <gst/e2ee/e2eekx.h>

#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf (stderr, "consumer: %s:%d: %s\n", __FILE__, __LINE__, #cond);    \
      return 1;                                                                \
    }                                                                          \
  } while (0)

int
main (int argc, char **argv)
{
  static const guint8 base[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16 };
  static const guint8 pt[] = "installed";
  guint8 ct[sizeof pt + 64], back[sizeof pt];
  GstE2eeKeyring *kr;
  GstE2eeKey *key;
  GstE2eeSFrameCipher *c;
  GError *err = NULL;
  guint64 kid = 0, ctr = 0;
  gssize n, m;

  gst_init (&argc, &argv);
  CHECK (gst_e2ee_sframe_init ());

  kr = gst_e2ee_keyring_new ("install-test");
  CHECK (kr != NULL);
  CHECK (g_type_is_a (G_OBJECT_TYPE (kr), GST_TYPE_OBJECT));
  CHECK (strcmp (G_OBJECT_TYPE_NAME (kr), "GstE2eeKeyring") == 0);
  CHECK (gst_e2ee_keyring_add_key (
      kr, 7, base, sizeof base, GST_E2EE_KEY_SEND, "me", &err));
  CHECK (gst_e2ee_keyring_set_send_kid (kr, 7, &err));
  CHECK (gst_e2ee_keyring_get_n_keys (kr) == 1);
  CHECK (gst_e2ee_keyring_get_send_kid (kr, &kid) && kid == 7);
  key = gst_e2ee_keyring_get_send_key (kr);
  CHECK (key != NULL && gst_e2ee_key_next_counter (key, &ctr));

  c = gst_e2ee_sframe_cipher_new (GST_E2EE_SFRAME_SUITE_AES_128_GCM_SHA256_128,
      GST_E2EE_SFRAME_BACKEND_AUTO, kid, base, sizeof base);
  CHECK (c != NULL);
  n = gst_e2ee_sframe_cipher_encrypt (
      c, ctr, NULL, 0, pt, sizeof pt, ct, sizeof ct);
  CHECK (n == (gssize)(sizeof pt + gst_e2ee_sframe_cipher_overhead (c, ctr)));
  m = gst_e2ee_sframe_decrypt (c, ct, n, NULL, 0, back, sizeof back);
  CHECK (m == (gssize)sizeof pt && memcmp (back, pt, sizeof pt) == 0);
  ct[n - 1] ^= 1;
  CHECK (gst_e2ee_sframe_decrypt (c, ct, n, NULL, 0, back, sizeof back) ==
      GST_E2EE_SFRAME_ERR_AUTH);
  CHECK (gst_e2ee_media_kid (1, 2) != gst_e2ee_media_kid (2, 1));

  gst_e2ee_sframe_cipher_free (c);
  gst_e2ee_key_unref (key);
  gst_object_unref (kr);
  printf ("consumer: keyring, key %" G_GUINT64_FORMAT
          ", SFrame round trip OK\n",
      kid);
  return 0;
}
