// A UDP listener on 127.0.0.1 that keeps every line of every datagram it
// receives: the StatsD sink tests read the wire through it.
import { createSocket } from 'node:dgram'

/** Binds a free port; resolves to { socket, lines, port }. */
export function listenUdp () {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4')
    const lines = []
    socket.on('message', msg => { for (const line of msg.toString('utf8').split('\n')) if (line) lines.push(line) })
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      // Room for bursts (capped by net.core.rmem_max): a full receive buffer drops datagrams.
      try { socket.setRecvBufferSize(4 << 20) } catch {}
      resolve({ socket, lines, port: socket.address().port })
    })
  })
}
