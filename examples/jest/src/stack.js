// A bounded stack.
class Stack {
  constructor(limit = Infinity) {
    this.items = [];
    this.limit = limit;
  }
  push(item) {
    if (this.items.length >= this.limit) throw new Error('stack is full');
    this.items.push(item);
  }
  pop() {
    if (this.items.length === 0) throw new Error('stack is empty');
    return this.items.pop();
  }
  get size() {
    return this.items.length;
  }
}
module.exports = { Stack };
