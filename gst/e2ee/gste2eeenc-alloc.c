/* e2eeenc: memories of one size class, recycled: output buffers of one
 * memory (whole encrypted packets), or bare memories (the SFrame header and
 * tag around a larger payload encrypted in place).
 *
 * Copyright (C) 2026 gst-e2ee-meeting contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gste2eeenc-priv.h"

/* ---------------------------------------------------- memories, recycled
 *
 * A recycler hands out memories of up to mem_size bytes, one element's
 * own: bare, or each the one memory of a buffer of its own.  They are
 * recycled as GstBufferPool recycles buffers: when downstream drops the
 * last reference (in any thread), the dispose of the memory (or of its
 * buffer) pushes it, still initialised, onto a lock-free stack of its
 * recycler, which the streaming thread empties in one exchange when it has
 * no spare memory left.  A packet so costs no allocation, no
 * initialisation, no allocator reference and no lock.  A buffer comes back
 * only as it was made (our memory alone, held by nobody else, no metas);
 * anything else is freed.  At most RECYCLE_MAX memories are recycled: past
 * them (a burst held downstream, a long queue) the recycler makes memories
 * that are freed when dropped, so what waits for reuse stays bounded.  The
 * element writes a memory it has just taken without mapping it (it is the
 * only holder).  Sub-memories (gst_memory_share) point into their parent
 * and are freed normally.  A memory in the free list holds its recycler:
 * the element closes the recycler when it is finalized (the free memories
 * are freed, and those still downstream when dropped). */

#define RECYCLE_MAX 512

/* (the returned list of a recycler that recycles no more) */
#define RECYCLER_CLOSED ((gpointer)&recycler_closed)
static const gint recycler_closed = 0;

struct _E2eeEncRecycler
{
  GstAllocator parent;
  gsize mem_size;
  /* atomic: memories given back by their dispose (any thread), a stack;
   * RECYCLER_CLOSED once closed */
  gpointer returned;
  /* streaming thread: memories taken from returned in one go */
  RecycledMem *spare;
  /* atomic: how many recycled memories there are (in flight or free);
   * raised by the streaming thread, lowered where a buffer is discarded */
  gint n_recycled;
};

typedef struct
{
  GstAllocatorClass parent_class;
} E2eeEncRecyclerClass;

G_DEFINE_TYPE (E2eeEncRecycler, e2ee_enc_recycler, GST_TYPE_ALLOCATOR);

/* obj (m, or the buffer of m), dropped by its last holder, back to life
 * (as in GstBufferPool) and onto the stack of a: FALSE, as a dispose
 * function returns to keep it.  TRUE (free it) once a is closed. */
static gboolean
recycler_push (E2eeEncRecycler *a, GstMiniObject *obj, RecycledMem *m)
{
  gpointer head;

  gst_mini_object_ref (obj);
  do {
    head = g_atomic_pointer_get (&a->returned);
    if (head == RECYCLER_CLOSED) {
      g_atomic_int_set (&obj->refcount, 0);
      return TRUE;
    }
    m->next = head;
  } while (!g_atomic_pointer_compare_and_exchange (&a->returned, head, m));
  return FALSE;
}

static gboolean
recycled_mem_dispose (GstMiniObject *obj)
{
  RecycledMem *m = (RecycledMem *)obj;

  return recycler_push ((E2eeEncRecycler *)m->mem.allocator, obj, m);
}

/* A new memory; one that is not recycled is freed when dropped */
static GstMemory *
recycled_mem_new (E2eeEncRecycler *a, gsize size, gboolean recycled)
{
  RecycledMem *m = g_malloc (sizeof (RecycledMem) + a->mem_size);

  m->data = (guint8 *)(m + 1);
  m->buffer = NULL;
  gst_memory_init (GST_MEMORY_CAST (m), 0, GST_ALLOCATOR_CAST (a), NULL,
      a->mem_size, 0, 0, size);
  if (recycled)
    GST_MINI_OBJECT_CAST (m)->dispose = recycled_mem_dispose;
  return GST_MEMORY_CAST (m);
}

static gpointer recycled_mem_map (
    GstMemory *mem, gsize maxsize, GstMapFlags flags);

/* The dispose of a buffer of a recycler (buffer mode) */
static gboolean
recycled_buffer_dispose (GstMiniObject *obj)
{
  GstBuffer *buf = GST_BUFFER_CAST (obj);
  GstMemory *mem;
  RecycledMem *m;
  E2eeEncRecycler *a;
  gpointer state = NULL;

  /* the recycler, through the memory made for this buffer; a buffer whose
   * first memory was replaced downstream is freed uncounted (the recycler
   * then recycles one buffer fewer) */
  if (gst_buffer_n_memory (buf) == 0)
    return TRUE;
  mem = gst_buffer_peek_memory (buf, 0);
  m = (RecycledMem *)mem;
  if (!mem->allocator || mem->allocator->mem_map != recycled_mem_map ||
      m->buffer != buf)
    return TRUE;
  a = (E2eeEncRecycler *)mem->allocator;
  /* only as we made it: our memory alone, which nobody else holds (a
   * share or another buffer would hold a reference), and no metas;
   * otherwise freed, one fewer recycled buffer */
  if (gst_buffer_n_memory (buf) != 1 ||
      GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_TAG_MEMORY) ||
      gst_buffer_iterate_meta (buf, &state) ||
      GST_MINI_OBJECT_REFCOUNT_VALUE (mem) != 1)
    goto discard;
  GST_BUFFER_FLAGS (buf) = 0;
  GST_BUFFER_PTS (buf) = GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_END (buf) =
      GST_BUFFER_OFFSET_NONE;
  return recycler_push (a, obj, m);

discard:
  g_atomic_int_add (&a->n_recycled, -1);
  return TRUE;
}

/* A memory from the free lists, or NULL when all are in flight */
static RecycledMem *
recycler_pop (E2eeEncRecycler *a)
{
  RecycledMem *m = a->spare;

  if (!m) {
    m = g_atomic_pointer_exchange (&a->returned, NULL);
    if (!m)
      return NULL;
  }
  a->spare = m->next;
  return m;
}

/* A buffer whose one memory has size bytes (at most mem_size), ours alone,
 * its bytes at *data until it is given away; flags, timestamps and offsets
 * unset.  Streaming thread only; buffer mode. */
GstBuffer *
e2ee_enc_recycler_take_buffer (E2eeEncRecycler *a, gsize size, guint8 **data)
{
  RecycledMem *m = recycler_pop (a);
  GstBuffer *buf;

  if (m) {
    /* (downstream may have resized it, e.g. e2eedec decrypting in place) */
    GST_MINI_OBJECT_FLAGS (m) = GST_MINI_OBJECT_FLAG_LOCKABLE;
    m->mem.offset = 0;
    m->mem.size = size;
    *data = m->data;
    return m->buffer;
  }
  /* all in flight */
  buf = gst_buffer_new ();
  m = (RecycledMem *)recycled_mem_new (a, size, FALSE);
  gst_buffer_append_memory (buf, GST_MEMORY_CAST (m));
  GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_TAG_MEMORY);
  if (g_atomic_int_get (&a->n_recycled) < RECYCLE_MAX) {
    g_atomic_int_inc (&a->n_recycled);
    m->buffer = buf;
    GST_MINI_OBJECT_CAST (buf)->dispose = recycled_buffer_dispose;
  }
  *data = m->data;
  return buf;
}

/* A memory of size bytes (at most the recycler's mem_size), ours alone: its
 * bytes are at ((RecycledMem *) mem)->data until it is given away.
 * Streaming thread only.  A recycled one is as new: whole, flags as after
 * gst_memory_init(). */
GstMemory *
e2ee_enc_recycler_take (E2eeEncRecycler *a, gsize size)
{
  RecycledMem *m = recycler_pop (a);

  if (!m) {
    /* all in flight */
    gboolean recycled = g_atomic_int_get (&a->n_recycled) < RECYCLE_MAX;
    if (recycled)
      g_atomic_int_inc (&a->n_recycled);
    return recycled_mem_new (a, size, recycled);
  }
  GST_MINI_OBJECT_FLAGS (m) = GST_MINI_OBJECT_FLAG_LOCKABLE;
  m->mem.offset = 0;
  m->mem.size = size;
  return GST_MEMORY_CAST (m);
}

static void
recycler_free_list (RecycledMem *m)
{
  while (m) {
    RecycledMem *next = m->next;
    if (m->buffer) {
      GST_MINI_OBJECT_CAST (m->buffer)->dispose = NULL;
      gst_buffer_unref (m->buffer);
    } else {
      GST_MINI_OBJECT_CAST (m)->dispose = NULL;
      gst_memory_unref (GST_MEMORY_CAST (m));
    }
    m = next;
  }
}

/* No more recycling: the free list is freed, and memories still
 * downstream are freed when dropped.  The element's last call. */
void
e2ee_enc_recycler_close (E2eeEncRecycler *a)
{
  recycler_free_list (
      g_atomic_pointer_exchange (&a->returned, RECYCLER_CLOSED));
  recycler_free_list (a->spare);
  a->spare = NULL;
}

E2eeEncRecycler *
e2ee_enc_recycler_new (gsize mem_size, const gchar *mem_type)
{
  E2eeEncRecycler *a = g_object_new (e2ee_enc_recycler_get_type (), NULL);

  gst_object_ref_sink (a);
  a->mem_size = mem_size;
  GST_ALLOCATOR_CAST (a)->mem_type = mem_type;
  return a;
}

static GstMemory *
e2ee_enc_recycler_alloc (
    GstAllocator *allocator, gsize size, GstAllocationParams *params)
{
  E2eeEncRecycler *a = (E2eeEncRecycler *)allocator;

  if (size > a->mem_size ||
      (params && (params->prefix || params->padding || params->align > 7)))
    return NULL;
  return recycled_mem_new (a, size, FALSE);
}

/* A sub-memory, or a memory its dispose did not keep */
static void
e2ee_enc_recycler_free (GstAllocator *allocator, GstMemory *mem)
{
  g_free (mem);
}

static gpointer
recycled_mem_map (GstMemory *mem, gsize maxsize, GstMapFlags flags)
{
  return ((RecycledMem *)mem)->data;
}

static void
recycled_mem_unmap (GstMemory *mem)
{
}

static GstMemory *
recycled_mem_share (GstMemory *mem, gssize offset, gssize size)
{
  GstMemory *parent = mem->parent ? mem->parent : mem;
  RecycledMem *sub = g_new (RecycledMem, 1);

  if (size == -1)
    size = mem->size - offset;
  sub->data = ((RecycledMem *)mem)->data;
  sub->buffer = NULL;
  gst_memory_init (GST_MEMORY_CAST (sub),
      GST_MINI_OBJECT_FLAGS (parent) | GST_MINI_OBJECT_FLAG_LOCK_READONLY,
      mem->allocator, parent, mem->maxsize, mem->align, mem->offset + offset,
      size);
  return GST_MEMORY_CAST (sub);
}

static void
e2ee_enc_recycler_class_init (E2eeEncRecyclerClass *klass)
{
  GST_ALLOCATOR_CLASS (klass)->alloc = e2ee_enc_recycler_alloc;
  GST_ALLOCATOR_CLASS (klass)->free = e2ee_enc_recycler_free;
}

static void
e2ee_enc_recycler_init (E2eeEncRecycler *a)
{
  GstAllocator *allocator = GST_ALLOCATOR_CAST (a);

  allocator->mem_map = recycled_mem_map;
  allocator->mem_unmap = recycled_mem_unmap;
  allocator->mem_share = recycled_mem_share;
  GST_OBJECT_FLAG_SET (a, GST_ALLOCATOR_FLAG_CUSTOM_ALLOC);
}
