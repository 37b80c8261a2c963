// Waiting for an aggregate group to settle: the tests that stop members one at
// a time wait for this between stops.
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))

/** The group is stable with `size` members, and its checkpoints (each one commits the group's offset) reach every partition's end. */
export async function settled (admin, topic, group, size) {
  const giveUp = Date.now() + 60_000
  for (;;) {
    const [g] = (await admin.describeGroups([group])).groups
    const ends = await admin.fetchTopicOffsets(topic)
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] })
    const at = new Map(committed.partitions.map(p => [p.partition, Number(p.offset)]))
    if (g.state === 'Stable' && g.members.length === size && ends.every(p => Number(p.high) === 0 || at.get(p.partition) === Number(p.high))) return
    if (Date.now() > giveUp) throw new Error(`timed out waiting for ${size} members to own and checkpoint every partition (group ${g.state}, ${g.members.length} members)`)
    await sleep(200)
  }
}
