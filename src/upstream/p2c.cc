#include "upstream/p2c.h"

#include "upstream/least_conn.h"
#include "upstream/pool.h"

namespace rampart::upstream {

size_t P2c::Pick(const PickContext& context) const {
  const size_t n = context.candidates.size();
  if (n == 1) return context.candidates.front();
  // Two distinct candidates from one random number: the second is drawn among the n - 1
  // others, from the quotient's bits so it does not depend on the first draw.
  const size_t first = context.random % n;
  size_t second = (context.random / n) % (n - 1);
  if (second >= first) ++second;
  const size_t a = context.candidates[first];
  const size_t b = context.candidates[second];
  return LessLoaded(context.servers[b], context.servers[a]) ? b : a;
}

}  // namespace rampart::upstream
