# The `registries` CTest fixture: trains the registries the tests share, once per test run.
# Inputs: TRAIN (fraud-train), OUT (directory), CSV (the ULB card-fraud sample).
foreach(var TRAIN OUT CSV)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "train_registries.cmake needs -D${var}=...")
  endif()
endforeach()
if(NOT EXISTS "${CSV}")
  message(FATAL_ERROR "the ULB sample is missing: ${CSV} (it ships in resources/data/)")
endif()
# A truncated or altered copy would train a different model and fail the tests obscurely.
file(SHA256 "${CSV}" csv_sha256)
if(NOT csv_sha256 STREQUAL "03f9faa6d17e910ee343bdf4c211c6135bd622d8ae4aa6eacb246309ddcc0e95")
  message(FATAL_ERROR "${CSV} has sha256 ${csv_sha256}, not the one resources/data/README.md names")
endif()
file(REMOVE_RECURSE "${OUT}")

function(train)
  execute_process(COMMAND ${TRAIN} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "fraud-train ${ARGN} failed (${rc}):\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

train(synthetic --registry ${OUT}/transaction --seed 1 --transactions 150000 --cards 10000
      --rounds 200 --max-depth 6 --threads 2)
# A second version of the same schema, trained on shifted traffic; not stable.
train(synthetic --registry ${OUT}/transaction --seed 2 --transactions 150000 --cards 10000
      --rounds 200 --max-depth 6 --threads 2 --amount-scale 1.4 --category-shift 0.1
      --set-stable no)
train(csv --registry ${OUT}/ulb --csv ${CSV} --schema-name ulb-creditcard --label Class
      --time-column Time --drop Time --negative-weight 57.79 --rounds 200 --max-depth 4
      --compare-random-split --threads 2)
