# SPDX-License-Identifier: GPL-3.0-or-later
# swarmshare_warnings(target): the project's warning set, applied to every target it builds
# (and the AUTOMOC fix below, which every target needs too).
function(swarmshare_warnings target)
    swarmshare_autogen_follows_sources(${target})
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
    if(SWARMSHARE_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
    # Qt's string literals stay explicit: no accidental const char* -> QString conversions.
    target_compile_definitions(${target} PRIVATE QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII
                                                 QT_NO_URL_CAST_FROM_STRING
                                                 QT_NO_NARROWING_CONVERSIONS_IN_CONNECT)
    # Debian's hardening (dpkg-buildflags): checked libc calls where sizes are known (needs the
    # optimiser, so not in Debug builds), stack canaries, and a read-only GOT bound at start.
    target_compile_options(${target} PRIVATE -fstack-protector-strong -Wformat
                                             -Werror=format-security
                                             $<$<NOT:$<CONFIG:Debug>>:-D_FORTIFY_SOURCE=2>)
    target_link_options(${target} PRIVATE -Wl,-z,relro -Wl,-z,now)
endfunction()

# CMake 3.25 with Ninja does not rerun AUTOMOC when a reconfigure adds a Q_OBJECT header to a
# target, so an incremental build then fails to link (missing vtable and signals). A configure
# run is exactly when a target's sources may change: dropping the autogen timestamp then makes
# AUTOMOC rescan (its parse cache keeps that cheap).
function(swarmshare_autogen_follows_sources target)
    get_target_property(automoc ${target} AUTOMOC)
    if(automoc)
        get_target_property(binary_dir ${target} BINARY_DIR)
        file(REMOVE ${binary_dir}/${target}_autogen/timestamp)
    endif()
endfunction()
