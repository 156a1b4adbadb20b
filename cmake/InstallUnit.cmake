# Runs at install time (install(SCRIPT)): writes syndicated.service with ExecStart= pointing at
# the binary under the prefix actually used (`cmake --install ... --prefix P`).
file(READ "${SYNDICATED_UNIT_SRC}" _unit)
string(REPLACE "/usr/bin/syndicated" "${CMAKE_INSTALL_PREFIX}/${SYNDICATED_BINDIR}/syndicated"
       _unit "${_unit}")
set(_dest "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}/${SYNDICATED_UNIT_DIR}")
file(MAKE_DIRECTORY "${_dest}")
file(WRITE "${_dest}/syndicated.service" "${_unit}")
message(STATUS "Installing: ${_dest}/syndicated.service")
