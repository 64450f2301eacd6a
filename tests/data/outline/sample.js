import fs from "fs";
import { join } from "path";

/**
 * Greets someone.
 */
function greet(name) {
  return `hi ${name}`;
}

class Animal extends Base {
  constructor(name) {
    this.name = name;
  }

  // Makes a sound.
  speak() {
    return "...";
  }
}

const add = (a, b) => a + b;

export function exported() {}
