alignscope_add_test(testtrainer SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtrainer.cpp LABELS unit)
# Progress lines of `train` in a log file (issue #22).
alignscope_add_test(testtrainprogress SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtrainprogress.cpp LABELS unit)
target_compile_definitions(testtrainprogress PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testtrainprogress alignscope-cli)
# The training-time estimate of the Training tab and `train` (issue #22).
alignscope_add_test(testtrainestimate SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testtrainestimate.cpp LABELS unit)
# Subword tokenizers: SentencePiece bpe / unigram trained on the corpus and stored in the model file (issue #22).
alignscope_add_test(testsubword SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/testsubword.cpp LABELS unit)
target_compile_definitions(testsubword PRIVATE ALIGNSCOPE_CLI="$<TARGET_FILE:alignscope-cli>")
add_dependencies(testsubword alignscope-cli)
