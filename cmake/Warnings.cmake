# SPDX-License-Identifier: GPL-3.0-or-later
# swarmshare_warnings(target): the project's warning set, applied to every target it builds.
function(swarmshare_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
    if(SWARMSHARE_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    # Qt's string literals stay explicit: no accidental const char* -> QString conversions.
    target_compile_definitions(${target} PRIVATE QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII
                                                 QT_NO_URL_CAST_FROM_STRING
                                                 QT_NO_NARROWING_CONVERSIONS_IN_CONNECT)
endfunction()
