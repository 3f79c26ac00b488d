/* e2eeenc: small memories, recycled (the SFrame header and tag of a packet
 * encrypted in place).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc-priv.h"

/* ------------------------------------------------ small memories, recycled
 *
 * The SFrame header (with the RTP header before it) and the tag of a packet
 * encrypted in place are memories of their own.  They come from this
 * allocator, one per element, and are recycled as GstBufferPool recycles
 * buffers: when downstream drops the last reference (in any thread), the
 * memory's dispose pushes it, still initialised, onto a lock-free stack of
 * its allocator, which the streaming thread empties in one exchange when
 * it has no spare memory left.  A packet so costs no allocation, no
 * initialisation, no allocator reference and no lock; there are as many
 * memories as were ever in flight at once.  The element writes a memory it
 * has just taken without mapping it (it is the only holder).
 * Sub-memories (gst_memory_share) point into their parent and are freed
 * normally.  A memory in the free list holds its allocator: the element
 * closes the allocator when it is finalized (the free memories are freed,
 * and those still downstream when dropped). */

/* (the returned list of an allocator that recycles no more) */
#define SMALL_CLOSED ((gpointer)&small_closed)
static const gint small_closed = 0;

struct _E2eeEncSmallAlloc
{
  GstAllocator parent;
  /* atomic: memories given back by their dispose (any thread), a stack;
   * SMALL_CLOSED once closed */
  gpointer returned;
  /* streaming thread: memories taken from returned in one go */
  SmallMem *spare;
};

typedef struct
{
  GstAllocatorClass parent_class;
} E2eeEncSmallAllocClass;

G_DEFINE_TYPE (E2eeEncSmallAlloc, e2ee_enc_small_alloc, GST_TYPE_ALLOCATOR);

static gboolean
small_mem_dispose (GstMiniObject *obj)
{
  SmallMem *m = (SmallMem *)obj;
  E2eeEncSmallAlloc *a = (E2eeEncSmallAlloc *)m->mem.allocator;
  gpointer head;

  /* back to life (as in GstBufferPool) before anyone can take it */
  gst_mini_object_ref (obj);
  do {
    head = g_atomic_pointer_get (&a->returned);
    if (head == SMALL_CLOSED) {
      g_atomic_int_set (&obj->refcount, 0);
      return TRUE;
    }
    m->next = head;
  } while (!g_atomic_pointer_compare_and_exchange (&a->returned, head, m));
  return FALSE;
}

static GstMemory *
small_mem_new (E2eeEncSmallAlloc *a, gsize size)
{
  SmallMem *m = g_malloc (sizeof (SmallMem) + SMALL_MEM_SIZE);

  m->data = (guint8 *)(m + 1);
  gst_memory_init (GST_MEMORY_CAST (m), 0, GST_ALLOCATOR_CAST (a), NULL,
      SMALL_MEM_SIZE, 0, 0, size);
  GST_MINI_OBJECT_CAST (m)->dispose = small_mem_dispose;
  return GST_MEMORY_CAST (m);
}

/* A memory of size bytes (at most SMALL_MEM_SIZE), ours alone: its bytes
 * are at ((SmallMem *) mem)->data until it is given away.  Streaming
 * thread only.  A recycled one is as new: whole, flags as after
 * gst_memory_init(). */
GstMemory *
e2ee_enc_small_mem_take (E2eeEncSmallAlloc *a, gsize size)
{
  SmallMem *m = a->spare;

  if (!m) {
    m = g_atomic_pointer_exchange (&a->returned, NULL);
    if (!m)
      return small_mem_new (a, size);
  }
  a->spare = m->next;
  GST_MINI_OBJECT_FLAGS (m) = GST_MINI_OBJECT_FLAG_LOCKABLE;
  m->mem.offset = 0;
  m->mem.size = size;
  return GST_MEMORY_CAST (m);
}

static void
small_free_list (SmallMem *m)
{
  while (m) {
    SmallMem *next = m->next;
    GST_MINI_OBJECT_CAST (m)->dispose = NULL;
    gst_memory_unref (GST_MEMORY_CAST (m));
    m = next;
  }
}

/* No more recycling: the free list is freed, and memories still
 * downstream are freed when dropped.  The element's last call. */
void
e2ee_enc_small_alloc_close (E2eeEncSmallAlloc *a)
{
  small_free_list (g_atomic_pointer_exchange (&a->returned, SMALL_CLOSED));
  small_free_list (a->spare);
  a->spare = NULL;
}

static GstMemory *
e2ee_enc_small_alloc_alloc (
    GstAllocator *allocator, gsize size, GstAllocationParams *params)
{
  if (size > SMALL_MEM_SIZE ||
      (params && (params->prefix || params->padding || params->align > 7)))
    return NULL;
  return small_mem_new ((E2eeEncSmallAlloc *)allocator, size);
}

/* A sub-memory, or a memory its dispose did not keep */
static void
e2ee_enc_small_alloc_free (GstAllocator *allocator, GstMemory *mem)
{
  g_free (mem);
}

static gpointer
small_mem_map (GstMemory *mem, gsize maxsize, GstMapFlags flags)
{
  return ((SmallMem *)mem)->data;
}

static void
small_mem_unmap (GstMemory *mem)
{
}

static GstMemory *
small_mem_share (GstMemory *mem, gssize offset, gssize size)
{
  GstMemory *parent = mem->parent ? mem->parent : mem;
  SmallMem *sub = g_new (SmallMem, 1);

  if (size == -1)
    size = mem->size - offset;
  sub->data = ((SmallMem *)mem)->data;
  gst_memory_init (GST_MEMORY_CAST (sub),
      GST_MINI_OBJECT_FLAGS (parent) | GST_MINI_OBJECT_FLAG_LOCK_READONLY,
      mem->allocator, parent, mem->maxsize, mem->align, mem->offset + offset,
      size);
  return GST_MEMORY_CAST (sub);
}

static void
e2ee_enc_small_alloc_class_init (E2eeEncSmallAllocClass *klass)
{
  GST_ALLOCATOR_CLASS (klass)->alloc = e2ee_enc_small_alloc_alloc;
  GST_ALLOCATOR_CLASS (klass)->free = e2ee_enc_small_alloc_free;
}

static void
e2ee_enc_small_alloc_init (E2eeEncSmallAlloc *a)
{
  GstAllocator *allocator = GST_ALLOCATOR_CAST (a);

  allocator->mem_type = "E2eeEncSmallMemory";
  allocator->mem_map = small_mem_map;
  allocator->mem_unmap = small_mem_unmap;
  allocator->mem_share = small_mem_share;
  GST_OBJECT_FLAG_SET (a, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}
