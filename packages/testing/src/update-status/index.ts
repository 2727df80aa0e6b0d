// Reading update-status XML in tests as Drupal's Update module would, without the stack:
// imported as '@packhouse/testing/update-status' by the XML package's tests and the API's.
export { readLikeDrupal, type DrupalProject, type DrupalRelease } from './drupal-reader.ts';
export { child, childNames, parseXml, type XmlNode } from './mini-xml.ts';
export { FILE_ORDER, followsOrder, PROJECT_ORDER, RELEASE_ORDER } from './element-order.ts';
export * as sample from './sample.ts';
