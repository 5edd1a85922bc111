# SPDX-License-Identifier: GPL-3.0-or-later
# swarmshare_add_test(NAME SOURCES files... LIBRARIES libs... [TIMEOUT s] [LABELS l...])
# One Qt Test executable = one CTest test. Every test runs offscreen, with its own HOME and XDG
# folders under the build tree so that nothing touches the user's real files.
set(SWARMSHARE_TEST_DATA ${PROJECT_SOURCE_DIR}/tests/data)
set(SWARMSHARE_BIN $<TARGET_FILE:swarmshare>)

function(swarmshare_add_test name)
    cmake_parse_arguments(arg "" "TIMEOUT" "SOURCES;LIBRARIES;LABELS" ${ARGN})
    if(NOT arg_TIMEOUT)
        set(arg_TIMEOUT 120)
    endif()
    add_executable(${name} ${arg_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test ${arg_LIBRARIES})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_compile_definitions(${name} PRIVATE
        SWARMSHARE_BIN="$<TARGET_FILE:swarmshare>"
        SWARMSHARE_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
        SWARMSHARE_TEST_DATA="${SWARMSHARE_TEST_DATA}")
    add_dependencies(${name} swarmshare)
    swarmshare_warnings(${name})
    set(home ${CMAKE_CURRENT_BINARY_DIR}/${name}.home)
    file(MAKE_DIRECTORY ${home}/runtime)
    file(CHMOD ${home}/runtime DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES
        TIMEOUT ${arg_TIMEOUT}
        LABELS "${arg_LABELS}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;HOME=${home};XDG_CONFIG_HOME=${home}/config;XDG_DATA_HOME=${home}/data;XDG_CACHE_HOME=${home}/cache;XDG_RUNTIME_DIR=${home}/runtime;LANG=C.UTF-8;LC_ALL=C.UTF-8;LANGUAGE=")
endfunction()
