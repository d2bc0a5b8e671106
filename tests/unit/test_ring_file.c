/* The file-backed ring: the records are in the file, the file is locked
 * while a ring maps it, and it is sized to whole slots. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pcap_format.h"
#include "ring.h"
#include "unit.h"

int main(void)
{
	char path[] = "/tmp/test_ring_file.XXXXXX";
	int tmp = mkstemp(path);
	struct ring r, again;
	struct stat st;
	uint8_t rec[100], back[100];

	CHECK(tmp >= 0);
	close(tmp);
	/* 5 MiB and a bit: 5 slots, the file trimmed or grown to exactly that. */
	CHECK(ring_init_file(&r, (5u << 20) + 12345, path, NULL, NULL) == 0);
	CHECK(r.nslots == 5 && stat(path, &st) == 0 && st.st_size == 5 << 20);
	CHECK((st.st_mode & 0777) == 0600);
	/* A second ring on the same file is refused while the first maps it. */
	CHECK(ring_init_file(&again, 8u << 20, path, NULL, NULL) == -EBUSY);
	/* What the ring holds is what the file holds. */
	for (unsigned i = 0; i < sizeof(rec); i++)
		rec[i] = (uint8_t)(i * 7);
	memcpy(ring_reserve(&r, sizeof(rec)), rec, sizeof(rec));
	ring_commit(&r, sizeof(rec));
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && pread(fd, back, sizeof(back), 0) == (ssize_t)sizeof(back));
	CHECK(memcmp(rec, back, sizeof(rec)) == 0);
	close(fd);
	ring_free(&r);
	/* Freed: the lock is gone, and the file is reused, not appended to. */
	CHECK(ring_init_file(&again, 4u << 20, path, NULL, NULL) == 0);
	CHECK(stat(path, &st) == 0 && st.st_size == 4 << 20);
	ring_free(&again);
	/* Not a regular file, and a missing directory. */
	CHECK(ring_init_file(&again, 4u << 20, "/dev/null", NULL, NULL) == -EINVAL);
	CHECK(ring_init_file(&again, 4u << 20, "/nonexistent-dir/ring", NULL, NULL) == -ENOENT);
	unlink(path);
	return UNIT_DONE("ring_file");
}
