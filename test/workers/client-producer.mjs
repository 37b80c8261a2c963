// A producer thread of the three-client broker test (test/helpers/client-producer.mjs).
import { parentPort, workerData } from 'node:worker_threads'
import { produce } from '../helpers/client-producer.mjs'

await produce(parentPort, workerData)
