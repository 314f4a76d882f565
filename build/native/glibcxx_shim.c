/* libstdc++ from GCC 13 added std::ios_base_library_init() (version GLIBCXX_3.4.32) and the
 * compiler emits a call to it from every translation unit that includes <iostream>.
 * Older libstdc++ (Debian 12, GCC 12) initialises the standard streams on its own, so an empty
 * definition is the correct behaviour there. Loaded only when the host libstdc++ lacks it. */
void _ZSt21ios_base_library_initv(void) {}
