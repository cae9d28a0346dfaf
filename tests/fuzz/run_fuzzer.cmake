# Runs one libFuzzer harness for SECONDS from a scratch copy of its corpus (CTest's fuzz_<name>
# tests). A crash fails the test and says where the input is and how to keep it.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(GLOB seeds ${CORPUS}/*)
file(COPY ${seeds} DESTINATION ${WORK}/corpus)
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048
          -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/ ${WORK}/corpus
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  file(GLOB found ${WORK}/artifacts/*)
  message(FATAL_ERROR "the fuzzer failed (exit ${result}) on: ${found}\n"
                      "Fix it, then keep the input as a regression: copy it to ${CRASHES}/.")
endif()
