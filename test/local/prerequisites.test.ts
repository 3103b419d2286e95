import { describe, expect, it } from 'vitest';
import {
  missingPrerequisites,
  type Prerequisite,
  prerequisites,
} from '../../local/prerequisites.ts';

const tool = (installedMajor: number | undefined, minimumMajor?: number): Prerequisite => ({
  name: 'Java',
  neededFor: 'DynamoDB Local',
  ...(minimumMajor === undefined ? {} : { minimumMajor }),
  install: 'apt-get install openjdk-17-jre-headless',
  installedMajor: () => installedMajor,
});

describe('prerequisites of the local loop', () => {
  it('names a missing tool, what needs it and how to get it', () => {
    expect(missingPrerequisites([tool(undefined, 17)])).toEqual([
      'Java 17 or newer (not found), for DynamoDB Local: apt-get install openjdk-17-jre-headless',
    ]);
  });

  it('names a tool too old, with the version found', () => {
    expect(missingPrerequisites([tool(11, 17)])).toEqual([
      'Java 17 or newer (version 11 found), for DynamoDB Local: apt-get install openjdk-17-jre-headless',
    ]);
  });

  it('says nothing of a tool new enough, or of one with any version', () => {
    expect(missingPrerequisites([tool(21, 17), tool(7)])).toEqual([]);
  });

  it('finds Node.js, Java, curl and openssl on this machine', () => {
    expect(prerequisites.map((each) => each.name)).toEqual(['Node.js', 'Java', 'curl', 'openssl']);
    expect(missingPrerequisites()).toEqual([]);
  });
});
