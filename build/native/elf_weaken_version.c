/* Marks one version requirement of an ELF64 shared object as weak (VER_FLG_WEAK), so that the
 * dynamic loader accepts a host library that lacks that version instead of refusing the load.
 * Usage: elf_weaken_version FILE VERSION-NAME     (exit 0 when patched or already weak) */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(const char *what, const char *file) {
    fprintf(stderr, "elf_weaken_version: %s: %s\n", file, what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: elf_weaken_version FILE VERSION-NAME\n");
        return 2;
    }
    const char *file = argv[1], *wanted = argv[2];
    int fd = open(file, O_RDWR);
    if (fd < 0) return fail("cannot open", file);
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr)) return fail("too small", file);
    unsigned char *base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) return fail("cannot map", file);

    Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
        return fail("not an ELF64 file", file);
    Elf64_Shdr *sections = (Elf64_Shdr *)(base + eh->e_shoff);

    for (int i = 0; i < eh->e_shnum; i++) {
        if (sections[i].sh_type != SHT_GNU_verneed) continue;
        /* The version names live in the string table the verneed section links to. */
        const char *strtab = (const char *)(base + sections[sections[i].sh_link].sh_offset);
        unsigned char *need = base + sections[i].sh_offset;
        for (unsigned n = 0; n < sections[i].sh_info; n++) {
            Elf64_Verneed *vn = (Elf64_Verneed *)need;
            unsigned char *aux = need + vn->vn_aux;
            for (unsigned a = 0; a < vn->vn_cnt; a++) {
                Elf64_Vernaux *va = (Elf64_Vernaux *)aux;
                if (strcmp(strtab + va->vna_name, wanted) == 0) {
                    va->vna_flags |= VER_FLG_WEAK;
                    msync(base, st.st_size, MS_SYNC);
                    printf("elf_weaken_version: %s now needs %s weakly\n", file, wanted);
                    return 0;
                }
                aux += va->vna_next;
            }
            need += vn->vn_next;
        }
    }
    return fail("version requirement not found", file);
}
