/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replays a fuzz target without libFuzzer: every seed file given (files or
 * directories), then a bounded number of deterministic mutations of them.
 * Used by "make check" so each target runs on every build.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SEEDS_MAX 256
#define INPUT_MAX 65536
#define MUTATIONS 20000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seed {
	unsigned char *data;
	size_t len;
};

static struct seed seeds[SEEDS_MAX];
static size_t n_seeds;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void
load_file(const char *path)
{
	unsigned char *buf;
	FILE *f;
	size_t n;

	if (n_seeds >= SEEDS_MAX)
		return;
	f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	buf = malloc(INPUT_MAX);
	if (buf == NULL)
		exit(2);
	n = fread(buf, 1, INPUT_MAX, f);
	fclose(f);
	seeds[n_seeds].data = buf;
	seeds[n_seeds].len = n;
	n_seeds++;
}

static void
load_path(const char *path)
{
	struct dirent *de;
	struct stat st;
	char sub[4096];
	DIR *d;

	if (stat(path, &st) < 0) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(path);
		return;
	}
	d = opendir(path);
	if (d == NULL)
		exit(2);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		load_file(sub);
	}
	closedir(d);
}

/* Flip, insert, delete or splice a few bytes of a seed. */
static size_t
mutate(unsigned char *out, const struct seed *s)
{
	size_t len = s->len;
	int k, edits = 1 + (int)(next_rand() % 4);

	memcpy(out, s->data, len);
	for (k = 0; k < edits; k++) {
		size_t pos = len ? next_rand() % len : 0;

		switch (next_rand() % 4) {
		case 0:
			if (len)
				out[pos] ^=
				    (unsigned char)(1u << (next_rand() % 8));
			break;
		case 1:
			if (len < INPUT_MAX) {
				memmove(out + pos + 1, out + pos, len - pos);
				out[pos] = (unsigned char)next_rand();
				len++;
			}
			break;
		case 2:
			if (len) {
				memmove(out + pos, out + pos + 1,
				    len - pos - 1);
				len--;
			}
			break;
		default:
			len = pos;
			break;
		}
	}
	return len;
}

int
main(int argc, char **argv)
{
	unsigned char *buf;
	int i;

	for (i = 1; i < argc; i++)
		load_path(argv[i]);
	for (i = 0; i < (int)n_seeds; i++)
		LLVMFuzzerTestOneInput(seeds[i].data, seeds[i].len);

	buf = malloc(INPUT_MAX);
	if (buf == NULL)
		return 2;
	for (i = 0; n_seeds > 0 && i < MUTATIONS; i++) {
		size_t len = mutate(buf, &seeds[next_rand() % n_seeds]);
		unsigned char *copy = malloc(len ? len : 1);

		/* An exact-size copy lets ASan/valgrind see overreads. */
		memcpy(copy, buf, len);
		LLVMFuzzerTestOneInput(copy, len);
		free(copy);
	}
	printf("%zu seeds, %d mutations: ok\n", n_seeds, MUTATIONS);
	free(buf);
	for (i = 0; i < (int)n_seeds; i++)
		free(seeds[i].data);
	return 0;
}
