// The one translation unit that compiles Asio's, Asio SSL's and Beast's implementation
// (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION are PUBLIC definitions of
// syndicated_http). Everything else includes only the declarations, which keeps builds fast.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
