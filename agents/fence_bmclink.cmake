# fence_bmclink: the fence agent Pacemaker runs; installed where the fencer looks.
add_executable(fence_bmclink ${CMAKE_CURRENT_LIST_DIR}/fence_bmclink.c)
target_link_libraries(fence_bmclink PRIVATE bmclink_warnings bmclink bmclink_recovery)
target_compile_definitions(fence_bmclink PRIVATE BL_VERSION="${PROJECT_VERSION}")
install(TARGETS fence_bmclink DESTINATION ${BMCLINK_FENCE_DIR})

# The man page is generated from the option table, like --help and the metadata.
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/docs/fence_bmclink.8
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/docs
    COMMAND fence_bmclink -o manpage > ${CMAKE_BINARY_DIR}/docs/fence_bmclink.8
    DEPENDS fence_bmclink
    COMMENT "Generating fence_bmclink.8 from the option table")
add_custom_target(fence_bmclink_man ALL DEPENDS ${CMAKE_BINARY_DIR}/docs/fence_bmclink.8)
install(FILES ${CMAKE_BINARY_DIR}/docs/fence_bmclink.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

# fence-agents installs fence_ipmilan under six more names (fence_ilo3 ...), and those
# files belong to its package: ours are fence_bmclink_<name> symlinks, which the agent
# recognises by argv[0] to take that name's defaults (fence_bmclink_ilo3: power_wait=4).
set(BMCLINK_FENCE_ALIASES ipmilanplus ilo3 ilo4 ilo5 imm idrac)
foreach(_alias IN LISTS BMCLINK_FENCE_ALIASES)
    install(CODE "file(CREATE_LINK fence_bmclink
        \"\$ENV{DESTDIR}${BMCLINK_FENCE_DIR}/fence_bmclink_${_alias}\" SYMBOLIC)")
    # Each name has the agent's page (dh_installman turns the .so into a link).
    file(WRITE ${CMAKE_BINARY_DIR}/docs/fence_bmclink_${_alias}.8 ".so man8/fence_bmclink.8\n")
    install(FILES ${CMAKE_BINARY_DIR}/docs/fence_bmclink_${_alias}.8
            DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
endforeach()
