# Registers each Catch2 test case of a test executable as its own CTest test.
# Like catch_discover_tests (Debian's catch2, Catch.cmake), but safe for every
# name pgsafe uses: names that start with "--", hold ";" or "," or "[" are
# escaped for Catch's test spec and kept whole for CTest, and every case runs
# with `--warn NoTests`, so a spec that matches nothing fails instead of
# passing empty.
#
# As a function (from tests/CMakeLists.txt):
#   pgsafe_catch_cases(TARGET PREFIX p LABEL l TIMEOUT s WORKING_DIRECTORY d [RESOURCE_LOCK r])
# adds a post-build step that lists the cases and writes the CTest file.
# As a script (cmake -P, the post-build step): writes that file.

if(CMAKE_SCRIPT_MODE_FILE)
  execute_process(
    COMMAND "${TEST_EXECUTABLE}" --list-test-names-only
    OUTPUT_VARIABLE output
    RESULT_VARIABLE result
    WORKING_DIRECTORY "${TEST_WORKING_DIR}")
  # --list-test-names-only exits with the number of cases.
  if(NOT result MATCHES "^[0-9]+$" OR result EQUAL 0)
    message(FATAL_ERROR "${TEST_EXECUTABLE} --list-test-names-only: ${result}\n${output}")
  endif()
  # ";" separates CMake list items: hide it while splitting the output into lines.
  string(REPLACE ";" "@PGSAFE_SEMICOLON@" output "${output}")
  string(REPLACE "\n" ";" lines "${output}")
  set(script "")
  foreach(line IN LISTS lines)
    if(line STREQUAL "")
      continue()
    endif()
    string(REPLACE "@PGSAFE_SEMICOLON@" ";" name "${line}")
    # Catch's test spec: "\" escapes; "," "[" "]" "\"" are special, and so is
    # a leading "-" (an option) or "~" (negation).
    set(spec "${name}")
    foreach(char "\\" "," "[" "]" "\"")
      string(REPLACE "${char}" "\\${char}" spec "${spec}")
    endforeach()
    if(spec MATCHES "^[-~]")
      set(spec "\\${spec}")
    endif()
    string(APPEND script
      "add_test([==[${TEST_PREFIX}${name}]==] [==[${TEST_EXECUTABLE}]==] [==[${spec}]==]"
      " --warn NoTests --reporter compact)\n"
      "set_tests_properties([==[${TEST_PREFIX}${name}]==] PROPERTIES"
      " WORKING_DIRECTORY [==[${TEST_WORKING_DIR}]==] LABELS ${TEST_LABEL} TIMEOUT ${TEST_TIMEOUT}")
    if(TEST_RESOURCE_LOCK)
      string(APPEND script " RESOURCE_LOCK ${TEST_RESOURCE_LOCK}")
    endif()
    string(APPEND script ")\n")
  endforeach()
  file(WRITE "${CTEST_FILE}" "${script}")
  return()
endif()

set(PGSAFE_CATCH_CASES_SCRIPT ${CMAKE_CURRENT_LIST_FILE})

function(pgsafe_catch_cases target)
  cmake_parse_arguments(arg "" "PREFIX;LABEL;TIMEOUT;WORKING_DIRECTORY;RESOURCE_LOCK" "" ${ARGN})
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake")
  set(tests_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake")
  add_custom_command(
    TARGET ${target} POST_BUILD
    BYPRODUCTS "${tests_file}"
    COMMAND "${CMAKE_COMMAND}"
            -D "TEST_EXECUTABLE=$<TARGET_FILE:${target}>"
            -D "TEST_WORKING_DIR=${arg_WORKING_DIRECTORY}"
            -D "TEST_PREFIX=${arg_PREFIX}"
            -D "TEST_LABEL=${arg_LABEL}"
            -D "TEST_TIMEOUT=${arg_TIMEOUT}"
            -D "TEST_RESOURCE_LOCK=${arg_RESOURCE_LOCK}"
            -D "CTEST_FILE=${tests_file}"
            -P "${PGSAFE_CATCH_CASES_SCRIPT}"
    COMMENT "Listing the test cases of ${target} for CTest"
    VERBATIM)
  # Before the first build there is no list yet: one test says so.
  file(WRITE "${include_file}"
    "if(EXISTS \"${tests_file}\")\n"
    "  include(\"${tests_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
