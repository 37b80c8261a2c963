// A consumer thread of the three-client broker test (test/helpers/client-consumer.mjs).
import { parentPort, workerData } from 'node:worker_threads'
import { consume } from '../helpers/client-consumer.mjs'

await consume(parentPort, workerData)
