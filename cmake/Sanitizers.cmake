# ASan + UBSan for the whole build when FRAUDOPS_SANITIZE is on. UBSan findings abort
# (-fno-sanitize-recover) so a test that triggers one fails instead of printing and passing.
if(FRAUDOPS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
