/* A file-backed ring (-buffer-file): the slot data is a MAP_SHARED mapping
 * of a preallocated file, so a buffer of gigabytes costs page cache, which
 * the kernel can write back and evict, not anonymous memory. The slot table
 * (32 bytes a slot) stays in anonymous memory. */
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Every block of the file allocated now: a write into the mapping can then
 * never meet a full disk (which the kernel reports as SIGBUS). Extends a
 * short file and trims a long one. */
static int preallocate(int fd, uint64_t len)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	int rc = posix_fallocate(fd, 0, (off_t)len); /* fallocate(2), or block by block */
	if (rc)
		return -rc;
	return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}

static int map_file(int fd, uint64_t len, void **out)
{
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	int rc = preallocate(fd, len);
	if (rc < 0)
		return rc;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	*out = p;
	return 0;
}

/* Slot seq is about to be filled for the first time: its pages go into the
 * page cache by a write, not read in page by page as the ring fills them
 * (never-written blocks read as zeros, which cost half the hub's CPU). */
static void prefault(const struct ring *r, uint64_t seq)
{
	static const uint8_t zeros[RING_SLOT_SIZE]; /* the shared zero page */
	off_t at = (off_t)(seq % r->nslots) * RING_SLOT_SIZE;

	/* Best effort: if it fails, the pages fault in as they are written. */
	if (pwrite(r->file_fd, zeros, sizeof(zeros), at) < 0)
		return;
}

int ring_init_file(struct ring *r, uint64_t size, const char *path, ring_recycle_fn fn, void *ctx)
{
	uint64_t n = ring_slots_for(size);
	void *p = NULL;

	if (n > UINT32_MAX)
		return -EINVAL;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	int rc = map_file(fd, n * RING_SLOT_SIZE, &p);
	if (rc == 0 && (rc = ring_attach(r, p, n, fn, ctx)) < 0)
		munmap(p, n * RING_SLOT_SIZE);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	r->file_fd = fd; /* holds the lock until ring_free */
	r->on_first_fill = prefault;
	prefault(r, 0);
	return 0;
}
