import { readFile } from "fs/promises";

/** A shape. */
export interface Shape {
  area(): number;
}

export enum Color {
  Red,
  Green,
}

type Id = string | number;

export class Circle implements Shape {
  constructor(private r: number) {}

  area(): number {
    return Math.PI * this.r ** 2;
  }
}

export async function load(path: string): Promise<string> {
  return readFile(path, "utf8");
}

namespace Geometry {
  export function unit(): number {
    return 1;
  }
}
