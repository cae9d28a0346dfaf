# ASan + UBSan for the whole build when FRAUDOPS_SANITIZE is on. UBSan findings abort
# (-fno-sanitize-recover) so a test that triggers one fails instead of printing and passing.
# -O1 -g1 (line tables: stack traces keep file and line) instead of the build type's -O2 -g:
# the sanitizers' own advice, and about a third less compile time in CI (measured on the
# gRPC-heavy ScorerServer.cpp: 11.5 s at -O2 -g, 7.6 s at -O1 -g1).
if(FRAUDOPS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=address,undefined)
endif()

# The fuzzing build (scripts/fuzz.sh): clang's libFuzzer, with ASan and UBSan. Every object is
# instrumented for coverage (fuzzer-no-link); only the harnesses link libFuzzer's driver.
option(FRAUDOPS_FUZZ "Build the fuzz harnesses with libFuzzer, ASan and UBSan (clang)" OFF)
if(FRAUDOPS_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FRAUDOPS_FUZZ needs clang: CXX=clang++-14 cmake ... (scripts/fuzz.sh)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer -O1 -g1)
  add_link_options(-fsanitize=address,undefined)
endif()
